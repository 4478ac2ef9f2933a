/**
 * Shared HTTP plumbing for the portal: the injectable fetch type, https-only
 * URL checks and a one-line description of why a request never got an answer.
 * There is deliberately no way to allow http:// or skip certificate checks:
 * tests make Node trust their own CA through NODE_EXTRA_CA_CERTS instead.
 */
import { SigninError } from './errors.js';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** How long one request to the portal may take before it counts as unreachable. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Parses an https URL given by a user or a portal and returns it without a
 * trailing slash (so `${base}/path` joins cleanly). Query and fragment are not
 * allowed: they would silently end up in the middle of joined paths.
 */
export function httpsBaseUrl(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new SigninError(`${what} "${text}" is not a valid address.`);
  }
  if (url.protocol !== 'https:') {
    throw new SigninError(
      `${what} ${url.origin} does not use https://, which Slipstream requires.`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new SigninError(`${what} ${url.origin} must be a plain https:// address.`);
  }
  return url.href.replace(/\/+$/, '');
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Why a fetch threw, in a few words ("connection refused", "its certificate is not trusted"). */
export function describeNetworkError(err: unknown): string {
  let cause: unknown = err;
  // fetch wraps the socket error: TypeError('fetch failed', { cause }).
  for (let depth = 0; depth < 4 && cause instanceof Error && cause.cause; depth++) {
    cause = cause.cause;
  }
  if (cause instanceof Error && cause.name === 'TimeoutError') return 'no answer in time';
  if (cause instanceof Error && cause.name === 'AbortError') return 'the request was cancelled';
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TLS_CODES.has(code)) return `its certificate is not trusted (${code})`;
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'the name does not resolve';
      case 'ECONNRESET':
        return 'the connection was reset';
      case 'UND_ERR_SOCKET':
        return 'the connection was closed';
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
        return 'the connection timed out';
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return 'no route to the host';
      default:
        return code;
    }
  }
  return 'the request failed';
}
