/**
 * The selected line in full: rows are one fixed-height line each and cut
 * long messages, so this is where a whole message, its fields or a
 * malformed line's raw text can be read (and selected with the mouse).
 */
import type { LogLine } from '../../../../ipc/schema.js';
import { processName, whereText } from './LogRow.js';

export function LogDetail({ line }: { line: LogLine | undefined }) {
  return (
    <section className="log-detail" aria-label="Selected line">
      {!line ? (
        <p className="muted">Select a line to see it in full.</p>
      ) : line.ok ? (
        <>
          <p>
            <strong>{whereText(line)}</strong> ({processName(line)}) · {line.time} ·{' '}
            <span className={`badge badge-${line.level}`}>{line.level}</span> · {line.target}
          </p>
          <p className="log-detail-text">{line.message}</p>
          {Object.keys(line.fields).length > 0 && (
            <pre className="log-detail-text">{JSON.stringify(line.fields, null, 2)}</pre>
          )}
        </>
      ) : (
        <>
          <p>
            <strong>{whereText(line)}</strong> ({processName(line)}) ·{' '}
            <span className="badge badge-malformed">malformed</span> · {line.problem}
          </p>
          <pre className="log-detail-text">{line.raw}</pre>
        </>
      )}
    </section>
  );
}
