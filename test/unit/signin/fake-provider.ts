// An OpenID provider that exists only as an openid-client Configuration whose
// HTTP goes to an in-memory function: enough to run the authorization-code
// exchange offline. (ID tokens from the token endpoint are trusted through TLS
// under OIDC Core §3.1.3.7, so openid-client checks their claims, not a
// signature; the real provider and TLS are the integration test's part.)
import * as client from 'openid-client';

export const ISSUER = 'https://op.test';
export const CLIENT_ID = 'slipstream-desktop';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export interface FakeProvider {
  config: client.Configuration;
  /** Token requests as form parameters. */
  tokenRequests: URLSearchParams[];
  /** Overrides for the next ID token's claims (e.g. a wrong nonce). */
  claims: Record<string, unknown>;
  /** When set, the token endpoint answers this OAuth error. */
  tokenError: string | null;
  /** When set, token answers carry Keycloak's `refresh_expires_in` (seconds). */
  refreshExpiresIn: unknown;
  revoked: string[];
}

export function fakeProvider(): FakeProvider {
  const provider: Partial<FakeProvider> = {
    tokenRequests: [],
    claims: {},
    tokenError: null,
    refreshExpiresIn: undefined,
    revoked: [],
  };
  const config = new client.Configuration(
    {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/auth`,
      token_endpoint: `${ISSUER}/token`,
      revocation_endpoint: `${ISSUER}/token/revocation`,
    },
    CLIENT_ID,
    { token_endpoint_auth_method: 'none' },
    client.None(),
  );
  // The nonce the client sent, remembered from the authorization URL by the test.
  let lastNonce = '';
  config[client.customFetch] = async (url, options) => {
    const form = new URLSearchParams(String(options.body));
    if (url.endsWith('/token/revocation')) {
      provider.revoked!.push(form.get('token') ?? '');
      return new Response(null, { status: 200 });
    }
    provider.tokenRequests!.push(form);
    if (provider.tokenError) {
      return Response.json({ error: provider.tokenError }, { status: 400 });
    }
    const now = Math.floor(Date.now() / 1000);
    const idToken = [
      b64url({ alg: 'RS256', typ: 'JWT' }),
      b64url({
        iss: ISSUER,
        aud: CLIENT_ID,
        sub: 'user-1',
        name: 'Ann',
        email: 'ann@example.com',
        iat: now,
        exp: now + 300,
        nonce: lastNonce,
        ...provider.claims,
      }),
      'c2lnbmF0dXJl',
    ].join('.');
    return Response.json({
      access_token: 'at-1',
      refresh_token: form.get('grant_type') === 'refresh_token' ? 'rt-2' : 'rt-1',
      token_type: 'Bearer',
      expires_in: 600,
      ...(provider.refreshExpiresIn === undefined
        ? {}
        : { refresh_expires_in: provider.refreshExpiresIn }),
      id_token: idToken,
    });
  };
  provider.config = config;
  Object.defineProperty(provider, 'nonce', {
    set: (v: string) => (lastNonce = v),
  });
  return provider as FakeProvider;
}

/** Tells the fake provider which nonce the client put in `authorizationUrl`. */
export function rememberNonce(provider: FakeProvider, authorizationUrl: string): void {
  (provider as unknown as { nonce: string }).nonce =
    new URL(authorizationUrl).searchParams.get('nonce') ?? '';
}
