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
 */
export const shownNumber = (line: LogLine) => line.line + 1;

interface Props {
  index: number;
  line: LogLine | undefined;
  top: number;
  selected: boolean;
  onSelect: (index: number) => void;
}

export const LogRow = memo(function LogRow({ index, line, top, selected, onSelect }: Props) {
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
    style,
    onMouseDown: () => onSelect(index),
  };
  if (!line.ok) {
    return (
      <div
        {...common}
        className={selected ? 'log-row malformed selected' : 'log-row malformed'}
        data-level="malformed"
        title={line.problem}
        aria-description={`Malformed line: ${line.problem}`}
      >
        <span role="gridcell" className="log-cell log-number">
          {shownNumber(line)}
        </span>
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
      <span role="gridcell" className="log-cell log-number">
        {shownNumber(line)}
      </span>
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
