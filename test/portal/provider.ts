// The OpenID Provider (oidc-provider) with the one client the app uses: a public native
// client doing the authorization code flow with PKCE, loopback or app-scheme redirects.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { type Configuration } from 'oidc-provider';
import { MemoryStore } from './adapter.js';
import { errorMessage, log } from './log.js';
import { messagePage } from './pages.js';
import type { Users } from './users.js';

export const CLIENT_ID = 'slipstream-desktop';
export const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export interface ProviderOptions {
  issuer: string;
  users: Users;
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

// A fresh signing key per run: nothing outlives the process, so nothing needs to be stored.
function signingKeys(): { keys: object[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' }] };
}

export function createProvider(o: ProviderOptions): Provider {
  const config: Configuration = {
    adapter: MemoryStore,
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_name: 'Slipstream',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // For native clients oidc-provider ignores the port of http://127.0.0.1 redirects
        // (RFC 8252 §7.3), so this one entry admits http://127.0.0.1:{any port}/callback.
        redirect_uris: ['http://127.0.0.1/callback', 'slipstream://signin/callback'],
      },
    ],
    responseTypes: ['code'],
    scopes: SCOPES,
    // Profile and email claims in the ID token too (not only from userinfo), as most
    // providers do, so the app can show who signed in without another request.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      // Sign-out is done by revoking the refresh token; no logout pages needed.
      rpInitiatedLogout: { enabled: false },
    },
    pkce: { methods: ['S256'], required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: o.accessTokenTtl,
      RefreshToken: o.refreshTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 24 * 3600,
      // The grant must outlive the refresh tokens issued from it.
      Grant: Math.max(o.refreshTokenTtl, 24 * 3600),
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
    },
    findAccount: async (_ctx, id) => {
      const user = o.users.get(id);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({
          sub: user.id,
          name: user.name,
          preferred_username: user.id,
          email: user.email,
          email_verified: true,
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = messagePage(
        'Sign-in failed',
        out.error_description ?? 'The sign-in request could not be completed.',
      );
    },
  };
  const provider = new Provider(o.issuer, config);

  // oidc-provider wants private-use schemes in reverse-domain form (RFC 8252 §7.1 says
  // SHOULD); the app's scheme is "slipstream", so that one check is waived.
  const schema = provider.Client.Schema.prototype;
  const invalidate = schema.invalidate;
  schema.invalidate = function (message: string, code?: string) {
    if (/Custom URI scheme should use reverse domain name based scheme/.test(message)) return;
    invalidate.call(this, message, code);
  };

  // Koa prints errors with stacks unless someone listens; log one JSON line instead.
  provider.on('error', (err) => log('error', 'provider error', { error: errorMessage(err) }));
  provider.on('server_error', (_ctx, err) =>
    log('error', 'provider server error', { error: errorMessage(err) }),
  );
  for (const event of ['authorization.error', 'grant.error', 'revocation.error']) {
    provider.on(event, (_ctx, err) => {
      // OAuth errors carry a code and a short reason (error_detail), never token values.
      const e = err as { error?: string; error_detail?: string };
      log('warn', event, { error: e.error ?? errorMessage(err), detail: e.error_detail });
    });
  }
  return provider;
}
