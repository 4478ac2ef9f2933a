/**
 * slipstream:// links. On Windows and Linux a link starts a second instance
 * whose argv carries the URL (forwarded to the first through
 * 'second-instance'); on macOS it arrives as 'open-url'. Sign-in will
 * consume these; until then they are only recognised and logged.
 */
export const PROTOCOL = 'slipstream';

export interface DeepLink {
  /** The host part: slipstream://auth/callback?... → "auth". */
  action: string;
  path: string;
  params: Record<string, string>;
  /** The whole link as received (it carries the sign-in answer; never logged). */
  url: string;
}

/** Deep links are attacker-controllable input: bounded, and only our scheme. */
export function parseDeepLink(text: string): DeepLink | null {
  if (text.length > 4096 || !text.toLowerCase().startsWith(`${PROTOCOL}://`)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== `${PROTOCOL}:` || url.username || url.password || !url.hostname) {
    return null;
  }
  const params: Record<string, string> = {};
  for (const [key, value] of url.searchParams) params[key] = value;
  return { action: url.hostname, path: url.pathname, params, url: text };
}

/** The link in a second instance's argv, if any (Chromium may reorder flags). */
export function findDeepLink(argv: readonly string[]): DeepLink | null {
  for (const arg of argv) {
    const link = parseDeepLink(arg);
    if (link) return link;
  }
  return null;
}

/** For logs: the action and parameter names, never their values (tokens). */
export function describeDeepLink(link: DeepLink): {
  action: string;
  path: string;
  params: string[];
} {
  return { action: link.action, path: link.path, params: Object.keys(link.params) };
}
