// test-platform: not-under-wine: fetch() to a loopback server fails under wine 8 (connect UNKNOWN) while net and http work
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ProviderError,
  SessionExpiredError,
  SignInCancelledError,
  SignInTimeoutError,
  StateMismatchError,
} from '../../../app/signin/errors.js';
import {
  APP_REDIRECT_URI,
  refreshTokens,
  sessionEndFrom,
  revokeRefreshToken,
  signInWithLoopback,
  startSignIn,
} from '../../../app/signin/oidc.js';
import { CLIENT_ID, fakeProvider, ISSUER, rememberNonce } from './fake-provider.js';

const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** What a browser does with the authorization URL: follow it back to redirect_uri. */
async function browse(
  authorizationUrl: string,
  answer: (params: URLSearchParams) => Record<string, string>,
): Promise<{ status: number; html: string; headers: Headers }> {
  const url = new URL(authorizationUrl);
  const back = new URL(url.searchParams.get('redirect_uri')!);
  for (const [k, v] of Object.entries(answer(url.searchParams))) back.searchParams.set(k, v);
  const res = await fetch(back);
  return { status: res.status, html: await res.text(), headers: res.headers };
}

test('the authorization URL: PKCE S256, state, nonce, loopback redirect, consent for offline access', async () => {
  const provider = fakeProvider();
  const pending = await startSignIn(provider.config, {
    scopes: SCOPES,
    redirectUri: APP_REDIRECT_URI,
  });
  const q = pending.url.searchParams;
  assert.equal(pending.url.origin + pending.url.pathname, `${ISSUER}/auth`);
  assert.equal(q.get('client_id'), CLIENT_ID);
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('redirect_uri'), 'slipstream://signin/callback');
  assert.equal(q.get('scope'), SCOPES.join(' '));
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
  assert.ok((q.get('state') ?? '').length >= 20);
  assert.ok((q.get('nonce') ?? '').length >= 20);
  assert.equal(q.get('prompt'), 'consent');
  const again = await startSignIn(provider.config, {
    scopes: SCOPES,
    redirectUri: APP_REDIRECT_URI,
  });
  assert.notEqual(again.url.searchParams.get('state'), q.get('state'), 'fresh state per attempt');
  assert.notEqual(again.url.searchParams.get('code_challenge'), q.get('code_challenge'));
});

test('loopback sign-in: random port, code exchanged with the verifier, tokens and claims back', async () => {
  const provider = fakeProvider();
  let page: { status: number; html: string; headers: Headers } | null = null;
  const ports: number[] = [];
  const result = await signInWithLoopback(provider.config, {
    scopes: SCOPES,
    openBrowser: async (url) => {
      rememberNonce(provider, url);
      const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
      assert.equal(redirect.hostname, '127.0.0.1');
      assert.equal(redirect.pathname, '/callback');
      ports.push(Number(redirect.port));
      setImmediate(() => {
        void browse(url, (p) => ({ code: 'the-code', state: p.get('state')! })).then(
          (r) => (page = r),
        );
      });
    },
  });
  assert.equal(result.tokens.access, 'at-1');
  assert.equal(result.tokens.refresh, 'rt-1');
  assert.ok(Math.abs(result.tokens.expiresAt - (Date.now() + 600_000)) < 5_000);
  assert.deepEqual(result.account, { sub: 'user-1', name: 'Ann', email: 'ann@example.com' });
  const form = provider.tokenRequests[0]!;
  assert.equal(form.get('grant_type'), 'authorization_code');
  assert.equal(form.get('code'), 'the-code');
  assert.match(form.get('code_verifier')!, /^[A-Za-z0-9_-]{43,128}$/);
  assert.equal(form.get('redirect_uri'), `http://127.0.0.1:${ports[0]}/callback`);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(page!.status, 200);
  assert.match(page!.html, /You can close this window and return to Slipstream/);
  assert.match(page!.headers.get('content-security-policy')!, /default-src 'none'/);
  assert.ok(ports[0]! > 0);
});

test("requests that are not this sign-in's get 404 and the listener waits on for the real one", async () => {
  const provider = fakeProvider();
  const strays: number[] = [];
  let page: { status: number; html: string } | null = null;
  const result = await signInWithLoopback(provider.config, {
    scopes: SCOPES,
    openBrowser: async (url) => {
      rememberNonce(provider, url);
      setImmediate(() => {
        void (async () => {
          // What any local process can send to the port: none of it ends the sign-in.
          const answers: Record<string, string>[] = [
            { code: 'c', state: 'forged' },
            { state: 'bogus' },
            { error: 'access_denied', state: 'bogus' },
            { error: 'access_denied' },
          ];
          for (const answer of answers) {
            strays.push((await browse(url, () => answer)).status);
          }
          page = await browse(url, (p) => ({ code: 'the-code', state: p.get('state')! }));
        })();
      });
    },
  });
  assert.deepEqual(strays, [404, 404, 404, 404]);
  assert.equal(result.tokens.access, 'at-1');
  assert.equal(provider.tokenRequests.length, 1, 'only the real code was exchanged');
  assert.equal(provider.tokenRequests[0]!.get('code'), 'the-code');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(page!.status, 200);
});

test("an error answer that is this sign-in's (right state) ends it with the provider's reason", async () => {
  const provider = fakeProvider();
  await assert.rejects(
    signInWithLoopback(provider.config, {
      scopes: SCOPES,
      openBrowser: async (url) => {
        setImmediate(() => {
          void browse(url, (p) => ({ error: 'access_denied', state: p.get('state')! }));
        });
      },
    }),
    ProviderError,
  );
  assert.equal(provider.tokenRequests.length, 0);
});

test('an ID token with another nonce is refused as a mismatch', async () => {
  const provider = fakeProvider();
  const pending = await startSignIn(provider.config, {
    scopes: SCOPES,
    redirectUri: APP_REDIRECT_URI,
  });
  rememberNonce(provider, pending.url.href);
  provider.claims = { nonce: 'someone-elses' };
  const state = pending.url.searchParams.get('state')!;
  await assert.rejects(
    pending.completeFromRedirect(`${APP_REDIRECT_URI}?code=c&state=${state}`),
    StateMismatchError,
  );
});

test('completeFromRedirect (deep link): checks state and redirect, and works once', async () => {
  const provider = fakeProvider();
  const pending = await startSignIn(provider.config, {
    scopes: SCOPES,
    redirectUri: APP_REDIRECT_URI,
  });
  rememberNonce(provider, pending.url.href);
  const state = pending.url.searchParams.get('state')!;
  await assert.rejects(
    pending.completeFromRedirect(`${APP_REDIRECT_URI}?code=c`),
    StateMismatchError,
  );
  await assert.rejects(
    pending.completeFromRedirect(`slipstream://elsewhere/callback?code=c&state=${state}`),
    StateMismatchError,
  );
  await assert.rejects(pending.completeFromRedirect('not a url'), StateMismatchError);
  const result = await pending.completeFromRedirect(`${APP_REDIRECT_URI}?code=c&state=${state}`);
  assert.equal(result.account.sub, 'user-1');
  assert.equal(provider.tokenRequests[0]!.get('redirect_uri'), APP_REDIRECT_URI);
  await assert.rejects(
    pending.completeFromRedirect(`${APP_REDIRECT_URI}?code=c&state=${state}`),
    StateMismatchError,
    'a replayed redirect is refused',
  );
});

test('provider errors become sentences: access_denied, invalid_grant', async () => {
  const provider = fakeProvider();
  let pending = await startSignIn(provider.config, {
    scopes: SCOPES,
    redirectUri: APP_REDIRECT_URI,
  });
  let state = pending.url.searchParams.get('state')!;
  await assert.rejects(
    pending.completeFromRedirect(
      `${APP_REDIRECT_URI}?error=access_denied&error_description=User+said+no&state=${state}`,
    ),
    (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.code, 'access_denied');
      assert.equal(
        err.message,
        'The sign-in was refused at the sign-in provider (access_denied: User said no).',
      );
      return true;
    },
  );
  pending = await startSignIn(provider.config, { scopes: SCOPES, redirectUri: APP_REDIRECT_URI });
  state = pending.url.searchParams.get('state')!;
  provider.tokenError = 'invalid_grant';
  await assert.rejects(
    pending.completeFromRedirect(`${APP_REDIRECT_URI}?code=c&state=${state}`),
    /did not accept the sign-in code \(invalid_grant\)/,
  );
});

test('the loopback wait times out and can be cancelled, freeing the port', async () => {
  const provider = fakeProvider();
  let redirect = '';
  await assert.rejects(
    signInWithLoopback(provider.config, {
      scopes: SCOPES,
      timeoutMs: 100,
      openBrowser: async (url) => {
        redirect = new URL(url).searchParams.get('redirect_uri')!;
      },
    }),
    (err: unknown) => {
      assert.ok(err instanceof SignInTimeoutError);
      assert.equal(err.message, 'The sign-in was not completed within 1 second. Please try again.');
      return true;
    },
  );
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(fetch(`${redirect}?code=c&state=s`), /fetch failed/);

  const controller = new AbortController();
  await assert.rejects(
    signInWithLoopback(provider.config, {
      scopes: SCOPES,
      signal: controller.signal,
      openBrowser: async () => {
        setTimeout(() => controller.abort(), 20);
      },
    }),
    SignInCancelledError,
  );
  await assert.rejects(
    signInWithLoopback(provider.config, {
      scopes: SCOPES,
      openBrowser: async () => {
        throw new Error('no browser');
      },
    }),
    /Could not open the browser/,
  );
});

test('requests to other paths get a 404 and do not end the wait', async () => {
  const provider = fakeProvider();
  const result = await signInWithLoopback(provider.config, {
    scopes: SCOPES,
    openBrowser: async (url) => {
      rememberNonce(provider, url);
      const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
      const favicon = await fetch(new URL('/favicon.ico', redirect));
      assert.equal(favicon.status, 404);
      const bare = await fetch(redirect);
      assert.equal(bare.status, 404);
      setImmediate(() => void browse(url, (p) => ({ code: 'c', state: p.get('state')! })));
    },
  });
  assert.equal(result.tokens.access, 'at-1');
});

test('refresh keeps or rotates the refresh token; invalid_grant is an expired session', async () => {
  const provider = fakeProvider();
  const tokens = await refreshTokens(provider.config, 'rt-1', () => 1_000);
  // openid-client counts expires_in down from when the answer came, in whole seconds: a
  // millisecond later it reports 599.
  const { expiresAt, ...rest } = tokens;
  assert.deepEqual(rest, { access: 'at-1', refresh: 'rt-2' });
  assert.ok(expiresAt === 601_000 || expiresAt === 600_000, `expiresAt ${expiresAt}`);
  assert.equal(provider.tokenRequests[0]!.get('grant_type'), 'refresh_token');
  provider.tokenError = 'invalid_grant';
  await assert.rejects(refreshTokens(provider.config, 'rt-2'), SessionExpiredError);
  await revokeRefreshToken(provider.config, 'rt-2');
  assert.deepEqual(provider.revoked, ['rt-2']);
});

test("the sign-in's end: Keycloak's refresh_expires_in when positive, otherwise unknown", async () => {
  const provider = fakeProvider();
  const plain = await refreshTokens(provider.config, 'rt-1', () => 1_000);
  assert.equal(plain.sessionEndsAt, undefined, 'most providers do not say');
  provider.refreshExpiresIn = 1800;
  const told = await refreshTokens(provider.config, 'rt-1', () => 1_000);
  assert.equal(told.sessionEndsAt, 1_801_000);
  for (const odd of [0, -5, '1800', null, Number.NaN]) {
    provider.refreshExpiresIn = odd;
    const t = await refreshTokens(provider.config, 'rt-1', () => 1_000);
    assert.equal(t.sessionEndsAt, undefined, `refresh_expires_in ${String(odd)}`);
  }
  assert.equal(sessionEndFrom(1.5, 0), 1500);
  assert.equal(sessionEndFrom(Infinity, 0), undefined);
});
