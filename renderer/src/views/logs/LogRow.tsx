/**
 * One row of the log grid, fixed height so the list can place rows by
 * arithmetic. Malformed lines are shown raw with a badge and the reason,
 * never hidden: they are often the interesting ones.
 */
import { memo } from 'react';
import type { LogLine } from '../../../../ipc/schema.js';
import { messageText } from './format-line.js';

export const ROW_HEIGHT = 24;

export const rowId = (index: number) => `log-row-${index}`;

/**
 * Lines are numbered from 0 in the schema (app/log/log-line.ts), from 1 in
 * editors and in what people say ("line 12"): shown from 1, data-line raw.
 * The number is the line's in its file (a log's rotated files each count from
 * 1), and the file is named where the number is explained.
 */
export const shownNumber = (line: LogLine) => line.line + 1;

/** Who wrote a line, in the words of the source menu. */
export const processName = (line: LogLine) => (line.process === 'main' ? 'app' : 'helper');

/** "main.jsonl.1, line 12" */
export const whereText = (line: LogLine) => `${line.file}, line ${shownNumber(line)}`;

interface Props {
  index: number;
  line: LogLine | undefined;
  showProcess: boolean;
  top: number;
  selected: boolean;
  onSelect: (index: number) => void;
}

export const LogRow = memo(function LogRow({
  index,
  line,
  showProcess,
  top,
  selected,
  onSelect,
}: Props) {
  const style = { transform: `translateY(${top}px)` };
  if (!line) {
    // Not loaded yet: a placeholder, not a row (it has no line to speak of).
    return (
      <div className="log-row pending" style={style} aria-hidden="true">
        <span className="log-cell log-message">…</span>
      </div>
    );
  }
  const common = {
    id: rowId(index),
    role: 'row',
    'aria-rowindex': index + 1,
    'aria-selected': selected,
    'data-line': line.line,
    'data-file': line.file,
    'data-process': line.process,
    style,
    onMouseDown: () => onSelect(index),
  };
  const number = (
    <span role="gridcell" className="log-cell log-number" title={whereText(line)}>
      {shownNumber(line)}
    </span>
  );
  const process = showProcess && (
    <span role="gridcell" className="log-cell log-process">
      <span className={`badge badge-process-${line.process}`}>{processName(line)}</span>
    </span>
  );
  if (!line.ok) {
    return (
      <div
        {...common}
        className={selected ? 'log-row malformed selected' : 'log-row malformed'}
        data-level="malformed"
        title={line.problem}
        aria-description={`Malformed line: ${line.problem}`}
      >
        {number}
        {process}
        <span role="gridcell" className="log-cell log-level">
          <span className="badge badge-malformed">malformed</span>
        </span>
        <span role="gridcell" className="log-cell log-message">
          {line.raw}
        </span>
      </div>
    );
  }
  return (
    <div
      {...common}
      className={selected ? `log-row level-${line.level} selected` : `log-row level-${line.level}`}
      data-level={line.level}
    >
      {number}
      {process}
      <span role="gridcell" className="log-cell log-time">
        {line.time}
      </span>
      <span role="gridcell" className="log-cell log-level">
        <span className={`badge badge-${line.level}`}>{line.level}</span>
      </span>
      <span role="gridcell" className="log-cell log-message">
        <span className="log-target">{line.target}</span> {messageText(line)}
      </span>
    </div>
  );
});
