/**
 * The virtualized log grid: a scroll container as tall as the matching lines
 * (capped and scaled, see scroll-geometry.ts) in which only the rows on
 * screen plus a little overscan exist, placed by arithmetic from a fixed row
 * height. Scrolling, a million lines or ten, costs the same few dozen rows.
 *
 * Keyboard: the grid itself takes focus; arrows, Page Up/Down, Home and End
 * move the selected row (aria-activedescendant), Ctrl+C copies it.
 */
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import type { LogPager } from './log-pager.js';
import { LogRow, ROW_HEIGHT, rowId } from './LogRow.js';
import {
  contentHeight,
  maxNatural,
  naturalFromScroll,
  scrollFromNatural,
  type Geometry,
} from './scroll-geometry.js';

const OVERSCAN = 20;

/** A request from outside (jump to time, follow) to bring a row into view. */
export interface Reveal {
  index: number;
  align: 'top' | 'nearest' | 'end';
  /** Distinguishes two requests for the same row. */
  serial: number;
}

interface Props {
  pager: LogPager | null;
  /** Rows say which process wrote them (both logs interleaved). */
  showProcess: boolean;
  rows: number;
  selected: number;
  onSelect: (index: number) => void;
  reveal: Reveal | null;
  /** The user moved up or away from the end (a following view stops following). */
  onLeaveEnd: () => void;
  onCopy: () => void;
}

export function LogList(props: Props) {
  const { pager, rows, selected, onSelect } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState(400);
  // scrollTop as the browser has it, and the exact row position it stands for.
  const [position, setPosition] = useState({ scrollTop: 0, natural: 0 });
  /** The scrollTop we last set, so its scroll event keeps our exact position. */
  const assigned = useRef<number | null>(null);
  const geometry: Geometry = { rows, rowHeight: ROW_HEIGHT, viewport };
  const geometryRef = useRef(geometry);
  geometryRef.current = geometry;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight || 400));
    observer.observe(el);
    setViewport(el.clientHeight || 400);
    return () => observer.disconnect();
  }, []);

  const positionRef = useRef(position);
  positionRef.current = position;

  const scrollToNatural = useCallback((natural: number) => {
    const el = scroller.current;
    const g = geometryRef.current;
    if (!el) return;
    const exact = Math.min(maxNatural(g), Math.max(0, natural));
    el.scrollTop = scrollFromNatural(exact, g);
    assigned.current = el.scrollTop;
    const next = { scrollTop: el.scrollTop, natural: exact };
    positionRef.current = next;
    setPosition(next);
  }, []);

  const reveal = useCallback(
    (index: number, align: Reveal['align']) => {
      const g = geometryRef.current;
      const current = positionRef.current.natural;
      const top = index * ROW_HEIGHT;
      let natural = current;
      if (align === 'top') natural = top;
      else if (align === 'end') natural = maxNatural(g);
      else if (top < current) natural = top;
      else if (top + ROW_HEIGHT > current + g.viewport) natural = top + ROW_HEIGHT - g.viewport;
      if (natural !== current || align !== 'nearest') scrollToNatural(natural);
    },
    [scrollToNatural],
  );

  // The row count or the viewport changed: keep showing the same rows (scaled
  // positions move when the count does), within the new bounds.
  useLayoutEffect(() => {
    scrollToNatural(positionRef.current.natural);
  }, [rows, viewport, scrollToNatural]);

  const { reveal: request } = props;
  useLayoutEffect(() => {
    if (request) reveal(request.index, request.align);
  }, [request, reveal]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    if (assigned.current !== null && Math.abs(el.scrollTop - assigned.current) < 1) return;
    assigned.current = null;
    const natural = naturalFromScroll(el.scrollTop, geometryRef.current);
    if (natural < position.natural && natural < maxNatural(geometryRef.current) - ROW_HEIGHT) {
      props.onLeaveEnd();
    }
    const next = { scrollTop: el.scrollTop, natural };
    positionRef.current = next;
    setPosition(next);
  };

  const first = Math.floor(position.natural / ROW_HEIGHT);
  const from = Math.max(0, first - OVERSCAN);
  const to = Math.min(rows, first + Math.ceil(viewport / ROW_HEIGHT) + 1 + OVERSCAN);

  useEffect(() => {
    pager?.want(from, Math.max(to, from + 1));
  }, [pager, from, to]);

  function onKeyDown(event: KeyboardEvent) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c') {
      // Text the user selected with the mouse is theirs to copy.
      if (window.getSelection()?.toString()) return;
      event.preventDefault();
      props.onCopy();
      return;
    }
    if (rows === 0) return;
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: selected + 1,
      ArrowUp: selected - 1,
      PageDown: selected + page,
      PageUp: selected - page,
      Home: 0,
      End: rows - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = Math.min(rows - 1, Math.max(0, target));
    if (next < selected) props.onLeaveEnd();
    onSelect(next);
    reveal(next, 'nearest');
  }

  const items = [];
  for (let i = from; i < to; i++) {
    items.push(
      <LogRow
        key={i}
        index={i}
        line={pager?.line(i)}
        showProcess={props.showProcess}
        top={position.scrollTop + i * ROW_HEIGHT - position.natural}
        selected={i === selected}
        onSelect={onSelect}
      />,
    );
  }
  const selectedShown = selected >= from && selected < to && pager?.line(selected) !== undefined;

  return (
    <div
      ref={scroller}
      className="log-scroller"
      role="grid"
      aria-label="Log lines"
      aria-rowcount={rows}
      aria-readonly="true"
      aria-activedescendant={selectedShown ? rowId(selected) : undefined}
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      onWheel={(e) => {
        if (e.deltaY < 0) props.onLeaveEnd();
      }}
    >
      <div className="log-sizer" style={{ height: contentHeight(geometry) }}>
        {items}
      </div>
    </div>
  );
}
