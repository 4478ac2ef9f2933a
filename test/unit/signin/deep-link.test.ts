// The app-scheme redirect (slipstream://signin/callback), for where no loopback listener can
// be opened: the link the OS hands the app completes only the sign-in that is waiting, with
// the same state, PKCE and nonce checks; stray links, timeouts and cancellation are sentences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeepLinkInbox } from '../../../app/signin/deep-link-inbox.js';
import { SignInCancelledError, SignInTimeoutError } from '../../../app/signin/errors.js';
import { APP_REDIRECT_URI, signInWithAppScheme } from '../../../app/signin/oidc.js';
import { fakeProvider, rememberNonce } from './fake-provider.js';

const SCOPES = ['openid', 'offline_access'];

test('a link delivered while the sign-in waits completes it', async () => {
  const provider = fakeProvider();
  const inbox = new DeepLinkInbox();
  assert.equal(inbox.deliver(`${APP_REDIRECT_URI}?code=c&state=x`), false, 'nobody waiting');
  let opened = '';
  const result = await signInWithAppScheme(provider.config, {
    scopes: SCOPES,
    inbox,
    openBrowser: async (url) => {
      opened = url;
      rememberNonce(provider, url);
      const state = new URL(url).searchParams.get('state');
      // What the OS does once the provider redirects the browser to the app's scheme.
      setImmediate(() => inbox.deliver(`${APP_REDIRECT_URI}?code=c&state=${state}`));
    },
  });
  assert.equal(new URL(opened).searchParams.get('redirect_uri'), APP_REDIRECT_URI);
  assert.equal(new URL(opened).searchParams.get('code_challenge_method'), 'S256');
  assert.equal(result.account.sub, 'user-1');
  assert.equal(provider.tokenRequests[0]!.get('redirect_uri'), APP_REDIRECT_URI);
});

test('a link for another attempt is ignored and the wait goes on; timeouts and cancellation are sentences', async () => {
  const provider = fakeProvider();
  const inbox = new DeepLinkInbox();
  const delivered: boolean[] = [];
  const result = await signInWithAppScheme(provider.config, {
    scopes: SCOPES,
    inbox,
    openBrowser: async (url) => {
      rememberNonce(provider, url);
      const state = new URL(url).searchParams.get('state');
      setImmediate(() => {
        // Any program can open slipstream:// links: these neither finish nor end the sign-in.
        delivered.push(inbox.deliver(`${APP_REDIRECT_URI}?code=c&state=forged`));
        delivered.push(inbox.deliver(`${APP_REDIRECT_URI}?error=access_denied`));
        delivered.push(inbox.deliver('slipstream://elsewhere?state=' + state));
        delivered.push(inbox.deliver(`${APP_REDIRECT_URI}?code=c&state=${state}`));
      });
    },
  });
  assert.deepEqual(delivered, [false, false, false, true]);
  assert.equal(result.account.sub, 'user-1');
  assert.equal(provider.tokenRequests.length, 1);
  await assert.rejects(
    signInWithAppScheme(provider.config, {
      scopes: SCOPES,
      inbox,
      timeoutMs: 20,
      openBrowser: async () => {},
    }),
    SignInTimeoutError,
  );
  const abort = new AbortController();
  const cancelled = signInWithAppScheme(provider.config, {
    scopes: SCOPES,
    inbox,
    signal: abort.signal,
    openBrowser: async () => {
      setImmediate(() => abort.abort());
    },
  });
  await assert.rejects(cancelled, SignInCancelledError);
  assert.equal(inbox.deliver(`${APP_REDIRECT_URI}?code=c&state=late`), false);
  assert.equal(provider.tokenRequests.length, 1, 'no other code was ever exchanged');
});

test('a newer wait supersedes an older one, which ends as cancelled', async () => {
  const inbox = new DeepLinkInbox();
  const any = () => true;
  const first = inbox.next({ accept: any, timeoutMs: 1000 });
  const second = inbox.next({ accept: any, timeoutMs: 1000 });
  await assert.rejects(first, SignInCancelledError);
  assert.equal(inbox.deliver('slipstream://signin/callback?x=1'), true);
  assert.equal(await second, 'slipstream://signin/callback?x=1');
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(
    inbox.next({ accept: any, timeoutMs: 1000, signal: aborted.signal }),
    SignInCancelledError,
  );
  assert.equal(inbox.deliver('slipstream://signin/callback?x=2'), false, 'nobody left waiting');
});
