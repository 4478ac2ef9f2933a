/**
 * Security decisions for the app's windows (issue 4 §7), as pure functions so
 * they are unit-tested without Electron; `electron/window.ts` applies them.
 * The renderer is untrusted: it may only show the app's own pages, may never
 * open windows or gain permissions, and its IPC is accepted only from the
 * app's own frames.
 */

/** Strict CSP for the app's pages: own scripts and styles only, nothing inline or remote. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Whether `url` is one of the app's own pages. `appRoot` is the URL of the
 * directory holding the renderer build (a file: URL ending in "/", or the
 * dev server's origin).
 */
export function isAppUrl(url: string, appRoot: string): boolean {
  const u = parse(url);
  const root = parse(appRoot);
  if (!u || !root) return false;
  if (root.protocol === 'file:') {
    // Resolved paths only: "/app/../etc/passwd" has already been normalised by URL.
    return u.protocol === 'file:' && u.host === '' && u.pathname.startsWith(root.pathname);
  }
  return u.origin === root.origin;
}

/** In-window navigation: only within the app. */
export function mayNavigate(url: string, appRoot: string): boolean {
  return isAppUrl(url, appRoot);
}

/** Links the system browser may open: http(s) with a host, no embedded credentials. */
export function mayOpenExternally(url: string): boolean {
  const u = parse(url);
  return (
    u !== null &&
    (u.protocol === 'https:' || u.protocol === 'http:') &&
    u.hostname !== '' &&
    u.username === '' &&
    u.password === ''
  );
}

/** window.open and target=_blank: never a new app window; maybe the system browser. */
export function newWindowDecision(url: string): { action: 'deny'; openExternally: string | null } {
  return { action: 'deny', openExternally: mayOpenExternally(url) ? url : null };
}

/** Camera, notifications, clipboard-read, ...: the UI needs none. */
export function mayGrantPermission(_permission: string): boolean {
  return false;
}

/** IPC is answered only for the app's own frames (not an injected or navigated one). */
export function isTrustedSender(frameUrl: string | undefined, appRoot: string): boolean {
  return frameUrl !== undefined && isAppUrl(frameUrl, appRoot);
}
