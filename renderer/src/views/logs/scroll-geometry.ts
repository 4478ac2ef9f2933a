/**
 * Maps between the scrollbar and the log's rows. Browsers cap an element's
 * height (about 16 to 33 million pixels), and a million 24 px rows exceed
 * that, so the scrolled content is at most MAX_CONTENT_PX tall and scroll
 * positions are scaled onto "natural" positions (row index * row height).
 * When the log is small the scale is exactly 1.
 */
export const MAX_CONTENT_PX = 8_000_000;

export interface Geometry {
  rows: number;
  rowHeight: number;
  viewport: number;
}

export const naturalHeight = (g: Geometry) => g.rows * g.rowHeight;
export const contentHeight = (g: Geometry) => Math.min(naturalHeight(g), MAX_CONTENT_PX);
export const maxNatural = (g: Geometry) => Math.max(0, naturalHeight(g) - g.viewport);
const maxScroll = (g: Geometry) => Math.max(0, contentHeight(g) - g.viewport);

export function naturalFromScroll(scrollTop: number, g: Geometry): number {
  const scroll = maxScroll(g);
  if (scroll === 0) return 0;
  return Math.min(maxNatural(g), Math.max(0, (scrollTop * maxNatural(g)) / scroll));
}

export function scrollFromNatural(natural: number, g: Geometry): number {
  const max = maxNatural(g);
  if (max === 0) return 0;
  return (Math.min(max, Math.max(0, natural)) * maxScroll(g)) / max;
}
