// test-platform: not-under-wine: fetch() to a loopback server fails under wine 8 (connect UNKNOWN) while net and http work
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NotAPortalError,
  PortalResponseError,
  PortalUnreachableError,
  SigninError,
} from '../../../app/signin/errors.js';
import { fetchPortalConfig, normalisePortalUrl } from '../../../app/signin/portal-config.js';
import { FAKE_ORIGIN, startFakePortal } from './fake-portal.js';

const GOOD = {
  issuer: 'https://login.example.com',
  client_id: 'slipstream-desktop',
  scopes: ['openid', 'profile', 'email'],
  api: 'https://portal.test/api/v1/',
};

test('discovery: reads the well-known document and normalises it', async () => {
  const portal = await startFakePortal(() => ({ status: 200, body: GOOD }));
  try {
    const config = await fetchPortalConfig(`${FAKE_ORIGIN}/`, { fetch: portal.fetch });
    assert.deepEqual(config, {
      portalUrl: FAKE_ORIGIN,
      issuer: 'https://login.example.com',
      clientId: 'slipstream-desktop',
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      api: 'https://portal.test/api/v1',
    });
    assert.equal(portal.requests[0]!.path, '/.well-known/slipstream-configuration');
  } finally {
    await portal.close();
  }
});

test('not a portal, misconfigured, unreachable: one sentence each', async () => {
  const portal = await startFakePortal(() => ({ status: 404, body: { error: 'nope' } }));
  try {
    const go = () => fetchPortalConfig(FAKE_ORIGIN, { fetch: portal.fetch });
    await assert.rejects(go(), (err: unknown) => {
      assert.ok(err instanceof NotAPortalError);
      assert.equal(err.message, 'https://portal.test is not a Slipstream portal.');
      return true;
    });
    portal.route = () => ({ status: 200, body: { hello: 'world' } });
    await assert.rejects(go(), NotAPortalError);
    portal.route = () => ({ status: 200, body: { ...GOOD, issuer: 'http://login.example.com' } });
    await assert.rejects(go(), (err: unknown) => {
      assert.ok(err instanceof PortalResponseError);
      assert.match(
        err.message,
        /misconfigured: The sign-in provider http:\/\/login\.example\.com does not use https/,
      );
      return true;
    });
  } finally {
    await portal.close();
  }
  await assert.rejects(fetchPortalConfig(FAKE_ORIGIN, { fetch: portal.fetch }), (err: unknown) => {
    assert.ok(err instanceof PortalUnreachableError);
    assert.match(
      err.message,
      /^Cannot reach the portal at https:\/\/portal\.test \((connection refused|the connection was closed)\)\.$/,
    );
    return true;
  });
});

test('the portal address must be a plain https URL', () => {
  assert.equal(
    normalisePortalUrl(' https://VPN.example.com/base/ '),
    'https://vpn.example.com/base',
  );
  for (const bad of [
    'http://vpn.example.com',
    'vpn.example.com',
    'https://u:p@vpn.example.com',
    'https://vpn.example.com/?x=1',
  ]) {
    assert.throws(() => normalisePortalUrl(bad), SigninError, bad);
  }
});
