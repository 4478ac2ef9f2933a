/**
 * Quotes a user-supplied value for an error message, shortened so a
 * pathological line cannot flood the terminal. Callers never pass values of
 * secret keys; as a second line of defence, anything containing what looks
 * like a base64 WireGuard key (a key pasted into the wrong setting) is hidden.
 */
const MAX_SHOWN = 60;
const KEY_LIKE = /[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=/;

export function quote(text: string): string {
  if (KEY_LIKE.test(text)) return '(value not shown: it looks like a key)';
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  return JSON.stringify(shown);
}
