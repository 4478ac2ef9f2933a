/**
 * Reads the "Jump to time" field: an RFC 3339 time with a zone ("...Z",
 * "+02:00"), or a local date and time as a datetime-local field gives it
 * ("2025-11-25T08:57", taken in the user's time zone, as they see their
 * clock). Returns the UTC ISO string findLogTime expects, or null.
 */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function toUtcIso(input: string): string | null {
  const text = input.trim();
  const local = LOCAL.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s, frac] = local.map((part) => part ?? '0');
    const ms = Number((frac ?? '0').padEnd(3, '0').slice(0, 3));
    const date = new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (ZONED.test(text)) {
    const time = Date.parse(text.replace(' ', 'T').toUpperCase());
    return Number.isNaN(time) ? null : new Date(time).toISOString();
  }
  return null;
}
