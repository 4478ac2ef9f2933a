/**
 * OpenID Connect for a native app (RFC 8252) with openid-client: discovery,
 * authorization code + PKCE S256 with state and nonce, the loopback or
 * app-scheme redirect, refresh and revocation. All protocol checks (issuer,
 * state, nonce, ID token signature and claims, PKCE) are openid-client's; this
 * file only wires them up and turns failures into sentences.
 */
import * as client from 'openid-client';
import { ProviderError, SignInCancelledError, StateMismatchError } from './errors.js';
import type { FetchLike } from './http.js';
import type { DeepLinkInbox } from './deep-link-inbox.js';
import {
  DEFAULT_SIGNIN_TIMEOUT_MS,
  openLoopbackListener,
  type LoopbackOptions,
} from './loopback.js';
import { describeOidcError } from './oidc-errors.js';

/** The redirect URI for the desktop app's own URL scheme (deep link). */
export const APP_REDIRECT_URI = 'slipstream://signin/callback';

/** Used when the provider does not say how long an access token lives. */
const DEFAULT_TOKEN_LIFETIME_S = 3600;

export interface TokenSet {
  access: string;
  refresh: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /**
   * When the sign-in itself ends unless renewed (ms since the epoch): the refresh
   * token's lifetime, where the provider says (Keycloak's `refresh_expires_in`; not
   * part of OAuth, so most providers do not, and 0 there means "no end"). Absent = unknown.
   */
  sessionEndsAt?: number;
}

/** `refresh_expires_in` (seconds) as an end time; anything but a positive number is unknown. */
export function sessionEndFrom(refreshExpiresIn: unknown, now: number): number | undefined {
  if (typeof refreshExpiresIn !== 'number' || !Number.isFinite(refreshExpiresIn)) return undefined;
  return refreshExpiresIn > 0 ? now + Math.round(refreshExpiresIn * 1000) : undefined;
}

export interface AccountClaims {
  sub: string;
  name?: string;
  email?: string;
}

export interface SignInResult {
  tokens: TokenSet;
  account: AccountClaims;
}

export interface OidcOptions {
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/** Reads `{issuer}/.well-known/openid-configuration` for a public client (no secret). */
export async function discoverProvider(
  issuer: string,
  clientId: string,
  options: OidcOptions = {},
): Promise<client.Configuration> {
  const discoveryOptions: client.DiscoveryRequestOptions = {};
  if (options.fetch) discoveryOptions[client.customFetch] = options.fetch as client.CustomFetch;
  let config: client.Configuration;
  try {
    config = await client.discovery(
      new URL(issuer),
      clientId,
      { token_endpoint_auth_method: 'none' },
      client.None(),
      discoveryOptions,
    );
  } catch (err) {
    if (options.signal?.aborted) throw new SignInCancelledError();
    throw describeOidcError(err, issuer, 'discovery');
  }
  // Cancelled while discovery ran: stop here, before any browser opens.
  if (options.signal?.aborted) throw new SignInCancelledError();
  return config;
}

function issuerOf(config: client.Configuration): string {
  return config.serverMetadata().issuer;
}

function tokenSet(
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  now: number,
  previousRefreshToken?: string,
): TokenSet {
  // Providers that do not rotate refresh tokens omit it from refresh responses.
  const refreshToken = response.refresh_token ?? previousRefreshToken;
  if (!refreshToken) {
    throw new ProviderError(
      'The sign-in provider did not grant offline access (no refresh token); ask your administrator to allow the offline_access scope for Slipstream.',
    );
  }
  const lifetime = response.expiresIn() ?? DEFAULT_TOKEN_LIFETIME_S;
  const sessionEndsAt = sessionEndFrom(response['refresh_expires_in'], now);
  return {
    access: response.access_token,
    refresh: refreshToken,
    expiresAt: now + lifetime * 1000,
    ...(sessionEndsAt === undefined ? {} : { sessionEndsAt }),
  };
}

function accountOf(claims: client.IDToken | undefined): AccountClaims {
  if (!claims) throw new ProviderError('The sign-in provider did not return an ID token.');
  const account: AccountClaims = { sub: claims.sub };
  if (typeof claims.name === 'string' && claims.name) account.name = claims.name;
  if (typeof claims.email === 'string' && claims.email) account.email = claims.email;
  return account;
}

export interface PendingSignIn {
  /** The authorization URL to open in the system browser. */
  readonly url: URL;
  readonly redirectUri: string;
  /**
   * Whether a redirect is addressed to this attempt: the redirect URI and the
   * `state` match. Anything else (a stray local request, a replayed link) is
   * not ours, and must neither finish nor fail the sign-in.
   */
  isOurs(redirectedTo: string | URL): boolean;
  /**
   * Finishes the sign-in from the URL the provider redirected to (the loopback
   * request or the `slipstream://signin/callback?...` deep link): checks that it
   * belongs to this attempt (state), then exchanges the code with the PKCE
   * verifier and checks the ID token's nonce.
   */
  completeFromRedirect(redirectedTo: string | URL): Promise<SignInResult>;
}

export interface StartSignInOptions {
  scopes: readonly string[];
  redirectUri: string;
  now?: () => number;
}

/** Builds a fresh authorization request: new PKCE verifier, state and nonce each time. */
export async function startSignIn(
  config: client.Configuration,
  options: StartSignInOptions,
): Promise<PendingSignIn> {
  const now = options.now ?? Date.now;
  const issuer = issuerOf(config);
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const scope = options.scopes.join(' ');
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  // OpenID Connect Core §11: a provider ignores offline_access (no refresh
  // token) unless the request carries prompt=consent.
  if (options.scopes.includes('offline_access')) params.prompt = 'consent';
  const url = client.buildAuthorizationUrl(config, params);

  let used = false;
  const isOurs = (redirectedTo: string | URL): boolean => {
    let current: URL;
    try {
      current = new URL(redirectedTo);
    } catch {
      return false;
    }
    const base = `${current.protocol}//${current.host}${current.pathname}`;
    return base === options.redirectUri && current.searchParams.get('state') === state;
  };
  const completeFromRedirect = async (redirectedTo: string | URL): Promise<SignInResult> => {
    // Checked here, before the library, so a stray or replayed redirect gets
    // the one clear sentence rather than a protocol error.
    if (!isOurs(redirectedTo) || used) throw new StateMismatchError();
    used = true;
    const current = new URL(redirectedTo);
    try {
      const response = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      return { tokens: tokenSet(response, now()), account: accountOf(response.claims()) };
    } catch (err) {
      throw describeOidcError(err, issuer, 'sign-in');
    }
  };
  return { url, redirectUri: options.redirectUri, isOurs, completeFromRedirect };
}

export interface LoopbackSignInOptions extends LoopbackOptions {
  scopes: readonly string[];
  /** Opens the URL in the system browser (the CLI prints it too; the app uses shell.openExternal). */
  openBrowser: (url: string) => Promise<void>;
  now?: () => number;
}

/** The whole browser step with a one-shot listener on 127.0.0.1:{random port}/callback. */
export async function signInWithLoopback(
  config: client.Configuration,
  options: LoopbackSignInOptions,
): Promise<SignInResult> {
  // Our own abort, so a browser that cannot be opened also ends the wait.
  const inner = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, inner.signal]) : inner.signal;
  const listenerOptions: LoopbackOptions = { signal };
  if (options.timeoutMs !== undefined) listenerOptions.timeoutMs = options.timeoutMs;
  const listener = await openLoopbackListener(listenerOptions);
  try {
    const startOptions: StartSignInOptions = {
      scopes: options.scopes,
      redirectUri: listener.redirectUri,
    };
    if (options.now) startOptions.now = options.now;
    const pending = await startSignIn(config, startOptions);
    const result = listener.wait(
      (url) => pending.isOurs(url),
      (url) => pending.completeFromRedirect(url),
    );
    // Observed now: it may reject (cancel, timeout) while the browser is still opening.
    result.catch(() => undefined);
    if (signal.aborted) return await result;
    try {
      await options.openBrowser(pending.url.href);
    } catch {
      inner.abort();
      await result.catch(() => undefined);
      throw new ProviderError('Could not open the browser for the sign-in.');
    }
    return await result;
  } finally {
    listener.close();
  }
}

export interface AppSchemeSignInOptions {
  scopes: readonly string[];
  openBrowser: (url: string) => Promise<void>;
  inbox: DeepLinkInbox;
  timeoutMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * The browser step with the app's own scheme as the redirect, for where no
 * loopback listener can be opened: the OS routes `slipstream://signin/callback`
 * to the app, which delivers it to `inbox`. The same state, PKCE and nonce
 * checks apply (completeFromRedirect).
 */
export async function signInWithAppScheme(
  config: client.Configuration,
  options: AppSchemeSignInOptions,
): Promise<SignInResult> {
  const startOptions: StartSignInOptions = {
    scopes: options.scopes,
    redirectUri: APP_REDIRECT_URI,
  };
  if (options.now) startOptions.now = options.now;
  const pending = await startSignIn(config, startOptions);
  // Our own abort, so a browser that cannot be opened also ends the wait.
  const inner = new AbortController();
  const link = options.inbox.next({
    accept: (url) => pending.isOurs(url),
    timeoutMs: options.timeoutMs ?? DEFAULT_SIGNIN_TIMEOUT_MS,
    signal: options.signal ? AbortSignal.any([options.signal, inner.signal]) : inner.signal,
  });
  link.catch(() => undefined);
  if (options.signal?.aborted) return pending.completeFromRedirect(await link);
  try {
    await options.openBrowser(pending.url.href);
  } catch {
    inner.abort();
    throw new ProviderError('Could not open the browser for the sign-in.');
  }
  return pending.completeFromRedirect(await link);
}

/** A new access token (and possibly a new refresh token) for a refresh token. */
export async function refreshTokens(
  config: client.Configuration,
  refreshToken: string,
  now: () => number = Date.now,
): Promise<TokenSet> {
  try {
    const response = await client.refreshTokenGrant(config, refreshToken);
    return tokenSet(response, now(), refreshToken);
  } catch (err) {
    throw describeOidcError(err, issuerOf(config), 'refresh');
  }
}

/** RFC 7009 revocation of the refresh token (which ends the grant at most providers). */
export async function revokeRefreshToken(
  config: client.Configuration,
  refreshToken: string,
): Promise<void> {
  if (!config.serverMetadata().revocation_endpoint) {
    throw new ProviderError(
      `The sign-in provider ${issuerOf(config)} offers no way to revoke the sign-in (no revocation endpoint).`,
    );
  }
  try {
    await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
  } catch (err) {
    throw describeOidcError(err, issuerOf(config), 'revocation');
  }
}
