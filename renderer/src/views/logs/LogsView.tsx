/**
 * The Logs section: toolbar, counts, the virtualized grid and the selected
 * line. State that describes the query (source, level, search) lives here;
 * the pager does the fetching, the list the scrolling.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LogLevel, LogSource } from '../../../../ipc/schema.js';
import { useAction } from '../../hooks/useAction.js';
import { useDebouncedValue } from '../../hooks/useDebouncedValue.js';
import { useClient } from '../../ipc/context.js';
import { copyToClipboard } from './clipboard.js';
import { copyText } from './format-line.js';
import { LogDetail } from './LogDetail.js';
import { LogList, type Reveal } from './LogList.js';
import { shownNumber } from './LogRow.js';
import { LogToolbar } from './LogToolbar.js';
import { toUtcIso } from './time-input.js';
import { useLogPager } from './useLogPager.js';
import './logs.css';

type Level = (typeof LogLevel.options)[number];

// Short, because a replaced search is cancelled on the server (cancelLogSearch) and its first
// page is a partial scan: a search per keystroke costs little, and the wait counts against
// the < 300 ms the user sees.
const SEARCH_DEBOUNCE_MS = 75;

export function LogsView() {
  const client = useClient();
  const action = useAction();
  const [source, setSource] = useState<LogSource>('main');
  const [minLevel, setMinLevel] = useState<Level>('trace');
  const [search, setSearch] = useState('');
  const text = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  const [follow, setFollow] = useState(false);
  const [selected, setSelected] = useState(0);
  const [reveal, setReveal] = useState<Reveal | null>(null);
  const [notice, setNotice] = useState('');
  const serial = useRef(0);

  const pager = useLogPager(source, minLevel, text);
  const rows = pager?.matching ?? 0;
  const selectedLine = pager?.line(selected);

  const show = useCallback((index: number, align: Reveal['align']) => {
    setReveal({ index, align, serial: ++serial.current });
  }, []);

  // A new query starts at its first line (or its last, when following).
  useEffect(() => {
    setSelected(0);
    show(0, 'top');
  }, [pager, show]);

  useEffect(() => {
    if (!pager) return;
    return client.on('logGrowth', (growth) => {
      if (pager.covers(growth.process)) pager.refreshTail();
    });
  }, [client, pager]);

  useEffect(() => {
    if (follow && rows > 0) show(rows - 1, 'end');
  }, [follow, rows, show]);

  function onFollow(on: boolean) {
    setFollow(on);
    if (on) pager?.refreshTail();
  }

  const leaveEnd = useCallback(() => setFollow(false), []);

  const copy = useCallback(async () => {
    const line = pager?.line(selected);
    if (!line) {
      setNotice('That line is still loading.');
      return;
    }
    const copied = await copyToClipboard(copyText(line));
    setNotice(
      copied
        ? `Copied line ${shownNumber(line)}.`
        : 'Could not copy; select the text under the list instead.',
    );
  }, [pager, selected]);

  async function jump(input: string) {
    const time = toUtcIso(input);
    if (time === null) {
      setNotice(
        'Enter a time like 2025-11-25T08:57:00Z, or a date and time like 2025-11-25 08:57.',
      );
      return;
    }
    const found = await action.run(() =>
      client.findLogTime({ source, filter: { minLevel, text }, time }),
    );
    if (!found || !pager) return;
    // The offset may lie past the lines found so far: place it once the count is in.
    await pager.whenCounted();
    setFollow(false);
    const matching = pager.matching ?? 0;
    if (matching === 0) {
      setNotice('No lines to jump to.');
      return;
    }
    const index = Math.min(found.offset, matching - 1);
    setSelected(index);
    show(index, 'top');
    setNotice(
      found.offset >= matching
        ? 'No line at or after that time; showing the last line.'
        : `Showing the first line at or after ${new Date(time).toLocaleString()}.`,
    );
  }

  const known = pager !== null && pager.matching !== null && pager.total !== null;
  const counted = known && pager.counted;
  return (
    <section className="view logs-view" aria-labelledby="logs-heading">
      <h1 id="logs-heading">Logs</h1>
      <LogToolbar
        source={source}
        onSource={setSource}
        minLevel={minLevel}
        onMinLevel={setMinLevel}
        search={search}
        onSearch={setSearch}
        follow={follow}
        onFollow={onFollow}
        onJump={(input) => void jump(input)}
        onCopy={() => void copy()}
        canCopy={selectedLine !== undefined}
        onOpenFolder={() =>
          void action
            .run(() => client.openLogFolder({}))
            .then((r) => r && setNotice(`Log folder: ${r.path}`))
        }
        onExport={() =>
          void action
            .run(() => client.exportLogs({}))
            .then((r) => r && setNotice(`Logs exported to ${r.path}`))
        }
        busy={action.busy}
      />
      <div className="log-status">
        {counted ? (
          <p data-testid="log-count" data-matching={pager.matching} data-total={pager.total}>
            {pager.matching} of {pager.total} lines
          </p>
        ) : known ? (
          // The first rows are on screen; the search is still going through the log.
          <p data-testid="log-count" data-counting="true" data-total={pager.total}>
            {pager.matching}+ of {pager.total} lines, counting…
          </p>
        ) : (
          <p data-testid="log-count">Loading lines…</p>
        )}
        <p className="notice" aria-live="polite">
          {notice}
        </p>
      </div>
      {(action.error ?? pager?.error) && (
        <p className="error-text" role="alert">
          {action.error ?? pager?.error}
        </p>
      )}
      <div className="log-frame">
        <LogList
          pager={pager}
          showProcess={source === 'both'}
          rows={rows}
          selected={selected}
          onSelect={setSelected}
          reveal={reveal}
          onLeaveEnd={leaveEnd}
          onCopy={() => void copy()}
        />
        {counted && rows === 0 && <p className="log-empty">No lines match.</p>}
      </div>
      <LogDetail line={selectedLine} />
    </section>
  );
}
