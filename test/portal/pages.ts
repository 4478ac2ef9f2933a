// The few HTML pages a person sees: the sign-in form and error pages. Self-contained (inline
// style, no scripts, no external resources) so they work on an isolated test network.
import type { ServerResponse } from 'node:http';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; background: #f3f5f8; color: #1d2430; margin: 0; }
main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; margin-top: .25rem; }
button { margin-top: 1.5rem; width: 100%; padding: .6rem; font: inherit; font-weight: 600;
  background: #2457c5; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
button.secondary { background: none; color: #2457c5; margin-top: .5rem; }
.error { background: #fde8e8; color: #8a1c1c; padding: .5rem .75rem; border-radius: 4px; }
.hint { color: #5a6475; font-size: .9rem; }`;

// No scripts at all; forms may post only here, but no form-action rule: browsers apply it to
// the redirects after a POST too, which would block the final hop to the app's callback.
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

export function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Slipstream</title>
<style>${STYLE}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': CSP,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(html);
}

export interface LoginPageOptions {
  uid: string;
  clientName: string;
  username?: string;
  error?: string;
}

export function loginPage(o: LoginPageOptions): string {
  const action = `/interaction/${encodeURIComponent(o.uid)}`;
  const error = o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p class="hint">to connect ${escapeHtml(o.clientName)} to the VPN</p>
${error}
<form method="post" action="${action}/login">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" required autofocus value="${escapeHtml(o.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="${action}/abort">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
