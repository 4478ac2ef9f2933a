/**
 * The provider side of a running session, behind an interface so the session's
 * timing logic is testable without a provider. The real one discovers the
 * provider lazily (a session loaded from disk may never need it) and retries
 * discovery after a failure instead of caching it.
 */
import type { Configuration } from 'openid-client';
import type { FetchLike } from './http.js';
import { discoverProvider, refreshTokens, revokeRefreshToken, type TokenSet } from './oidc.js';

export interface TokenAuthority {
  /** New tokens; throws SessionExpiredError when the refresh token is no longer accepted. */
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(refreshToken: string): Promise<void>;
}

export function oidcAuthority(
  issuer: string,
  clientId: string,
  options: { fetch?: FetchLike; now?: () => number } = {},
): TokenAuthority {
  let config: Promise<Configuration> | null = null;
  const discovered = (): Promise<Configuration> => {
    if (!config) {
      const discoveryOptions = options.fetch ? { fetch: options.fetch } : {};
      config = discoverProvider(issuer, clientId, discoveryOptions);
      config.catch(() => {
        config = null;
      });
    }
    return config;
  };
  return {
    refresh: async (refreshToken) =>
      refreshTokens(await discovered(), refreshToken, options.now ?? Date.now),
    revoke: async (refreshToken) => revokeRefreshToken(await discovered(), refreshToken),
  };
}
