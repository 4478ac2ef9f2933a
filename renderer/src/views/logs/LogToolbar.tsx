/** The log viewer's controls: which log, which lines, follow, jump, and the file actions. */
import { useState } from 'react';
import { LogLevel, LogSource } from '../../../../ipc/schema.js';

type Level = (typeof LogLevel.options)[number];
type Source = (typeof LogSource.options)[number];

const SOURCE_LABELS: Record<Source, string> = {
  main: 'App',
  helper: 'Helper (tunnel service)',
  both: 'Both, interleaved by time',
};

const LEVEL_LABELS: Record<Level, string> = {
  error: 'Error',
  warn: 'Warning',
  info: 'Info',
  debug: 'Debug',
  trace: 'Trace (all lines)',
};

interface Props {
  source: Source;
  onSource: (source: Source) => void;
  minLevel: Level;
  onMinLevel: (level: Level) => void;
  search: string;
  onSearch: (text: string) => void;
  follow: boolean;
  onFollow: (follow: boolean) => void;
  onJump: (input: string) => void;
  onCopy: () => void;
  canCopy: boolean;
  onOpenFolder: () => void;
  onExport: () => void;
  busy: boolean;
}

export function LogToolbar(props: Props) {
  const [jump, setJump] = useState('');
  return (
    <div className="log-toolbar">
      <div className="toolbar-row">
        <label className="field">
          <span>Source</span>
          <select
            value={props.source}
            onChange={(e) => {
              const parsed = LogSource.safeParse(e.target.value);
              if (parsed.success) props.onSource(parsed.data);
            }}
          >
            {LogSource.options.map((source) => (
              <option key={source} value={source}>
                {SOURCE_LABELS[source]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Minimum level</span>
          <select
            value={props.minLevel}
            onChange={(e) => {
              const parsed = LogLevel.safeParse(e.target.value);
              if (parsed.success) props.onMinLevel(parsed.data);
            }}
          >
            {LogLevel.options.map((level) => (
              <option key={level} value={level}>
                {LEVEL_LABELS[level]}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Search logs</span>
          <input
            type="search"
            value={props.search}
            maxLength={200}
            placeholder="Text anywhere in the line"
            onChange={(e) => props.onSearch(e.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={props.follow}
            onChange={(e) => props.onFollow(e.target.checked)}
          />
          <span>Follow</span>
        </label>
      </div>
      <div className="toolbar-row">
        <form
          className="jump"
          onSubmit={(e) => {
            e.preventDefault();
            props.onJump(jump);
          }}
        >
          <label className="field">
            <span>Jump to time</span>
            <input
              type="text"
              value={jump}
              placeholder="2025-11-25T08:57:00Z or 2025-11-25 08:57"
              spellCheck={false}
              onChange={(e) => setJump(e.target.value)}
            />
          </label>
          <button type="submit">Go</button>
        </form>
        <div className="button-row">
          <button type="button" onClick={props.onCopy} disabled={!props.canCopy}>
            Copy line
          </button>
          <button type="button" onClick={props.onOpenFolder} disabled={props.busy}>
            Open log folder
          </button>
          <button type="button" onClick={props.onExport} disabled={props.busy}>
            Export logs
          </button>
        </div>
      </div>
    </div>
  );
}
