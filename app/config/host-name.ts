/**
 * DNS host name validation for Endpoint hosts and DNS search domains. Names
 * whose last label is all digits are rejected: no top-level domain is
 * numeric, so "1.2.3.300" is a mistyped address, not a name to look up.
 */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

export function isHostName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}
