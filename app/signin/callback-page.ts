/**
 * The page the browser shows after the provider sends it back to the loopback
 * listener. Self-contained (no scripts, no external resources) and served with
 * a CSP that allows nothing else, so the callback URL (which carries the code)
 * never leaks through a Referer or a third-party request.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function callbackPage(ok: boolean, detail?: string): string {
  const title = ok ? 'Signed in' : 'Sign-in failed';
  const message = ok
    ? 'You can close this window and return to Slipstream.'
    : `${detail ?? 'The sign-in did not complete.'} You can close this window and return to Slipstream.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Slipstream: ${title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font-family:system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f5f6f8;color:#1d2330}
main{background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px #0002;max-width:32rem}
h1{font-size:1.3rem;margin:0 0 .75rem;color:${ok ? '#1b7f3b' : '#b3261e'}}p{margin:0;line-height:1.5}</style>
</head><body><main><h1>${title}</h1><p>${escapeHtml(message)}</p></main></body></html>
`;
}

export const CALLBACK_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;
