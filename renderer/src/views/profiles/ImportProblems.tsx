/**
 * Why a .conf file was refused: the problems as a list (the alert, read out
 * at once), then the file itself with each problem beside its line.
 */
import { excerptLines } from './file-lines.js';

export interface Problem {
  line: number | null;
  message: string;
}

export function ImportProblems(props: { fileName: string; text: string; problems: Problem[] }) {
  const excerpt = excerptLines(props.text, props.problems);
  return (
    <div className="import-problems">
      <div role="alert">
        <p className="error-text">
          {props.fileName} could not be imported ({props.problems.length}{' '}
          {props.problems.length === 1 ? 'problem' : 'problems'}):
        </p>
        <ul className="problem-list">
          {props.problems.map((p, i) => (
            <li key={i}>{p.line === null ? p.message : `line ${p.line}: ${p.message}`}</li>
          ))}
        </ul>
      </div>
      {excerpt.length > 0 && (
        <ol className="file-lines" aria-label={`Lines of ${props.fileName}`}>
          {excerpt.map((row) =>
            'gap' in row ? (
              <li key={`gap-${row.from}`} className="file-gap">
                lines {row.from}–{row.to} not shown
              </li>
            ) : (
              <li
                key={row.number}
                className={row.problems.length > 0 ? 'file-line has-problem' : 'file-line'}
              >
                <span className="line-number">{row.number}</span>
                <code className="line-text">{row.text || ' '}</code>
                {/* The number is beside it; the alert above has the "line N:" wording. */}
                {row.problems.map((message, i) => (
                  <span key={i} className="line-problem">
                    {message}
                  </span>
                ))}
              </li>
            ),
          )}
        </ol>
      )}
    </div>
  );
}
