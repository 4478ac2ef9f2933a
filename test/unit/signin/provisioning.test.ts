// test-platform: not-under-wine: fetch() to a loopback server fails under wine 8 (connect UNKNOWN) while net and http work
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DeviceRemovedError,
  ForbiddenError,
  InvalidTokenError,
  PortalResponseError,
  PortalUnreachableError,
  SigninError,
} from '../../../app/signin/errors.js';
import { ProvisioningApi } from '../../../app/signin/provisioning.js';
import { startFakePortal } from './fake-portal.js';
import { keyPair, sampleDevice } from './fixtures.js';

const TOKEN = 'secret-access-token';

test('register, read and delete send the bearer token and parse the Device', async () => {
  const keys = keyPair();
  const device = sampleDevice(keys.publicKey, 'd/1 x');
  const portal = await startFakePortal((req) => {
    if (req.method === 'POST') return { status: 201, body: device };
    if (req.method === 'GET') return { status: 200, body: { ...device, extra: 'ignored' } };
    return { status: 204 };
  });
  try {
    const api = new ProvisioningApi(portal.api, { fetch: portal.fetch });
    assert.deepEqual(await api.registerDevice(TOKEN, keys.publicKey, 'laptop-ann'), device);
    assert.deepEqual(await api.getDevice(TOKEN, device.id), device);
    await api.deleteDevice(TOKEN, device.id);
    assert.deepEqual(
      portal.requests.map((r) => [r.method, r.path, r.authorization]),
      [
        ['POST', '/api/v1/devices', `Bearer ${TOKEN}`],
        ['GET', '/api/v1/devices/d%2F1%20x', `Bearer ${TOKEN}`],
        ['DELETE', '/api/v1/devices/d%2F1%20x', `Bearer ${TOKEN}`],
      ],
    );
    assert.deepEqual(portal.requests[0]!.body, { publicKey: keys.publicKey, name: 'laptop-ann' });
  } finally {
    await portal.close();
  }
});

test('error statuses map to typed errors with one-sentence messages', async () => {
  let status = 0;
  const portal = await startFakePortal(() => ({
    status,
    body: { error: 'whatever', message: 'The access token has expired.' },
  }));
  try {
    const api = new ProvisioningApi(portal.api, { fetch: portal.fetch });
    const cases: [number, new (...args: never[]) => Error, RegExp][] = [
      [401, InvalidTokenError, /sign in again/],
      [403, ForbiddenError, /^Your account is not allowed to use this VPN\.$/],
      [404, DeviceRemovedError, /^This device was removed on the portal\.$/],
      [400, PortalResponseError, /refused the request \(HTTP 400, whatever\)/],
      [500, PortalResponseError, /HTTP 500/],
    ];
    for (const [code, type, message] of cases) {
      status = code;
      await assert.rejects(api.getDevice(TOKEN, 'd1'), (err: unknown) => {
        assert.ok(err instanceof type, `${code} -> ${type.name}`);
        assert.match((err as Error).message, message);
        assert.ok(!(err as Error).message.includes(TOKEN));
        return true;
      });
    }
    // Removing a device that is already gone is success.
    status = 404;
    await api.deleteDevice(TOKEN, 'd1');
  } finally {
    await portal.close();
  }
});

test('a malformed Device is refused, naming the field', async () => {
  const keys = keyPair();
  const portal = await startFakePortal(() => ({
    status: 200,
    body: { ...sampleDevice(keys.publicKey), tunnel: { addresses: [], peers: [] } },
  }));
  try {
    const api = new ProvisioningApi(portal.api, { fetch: portal.fetch });
    await assert.rejects(api.getDevice(TOKEN, 'd1'), /cannot use \(at "tunnel\.addresses"\)/);
    portal.route = () => ({ status: 200, body: 'not json object' });
    await assert.rejects(api.getDevice(TOKEN, 'd1'), PortalResponseError);
  } finally {
    await portal.close();
  }
});

test('network failures and timeouts are PortalUnreachableError', async () => {
  const portal = await startFakePortal(() => 'hang');
  const api = new ProvisioningApi(portal.api, { fetch: portal.fetch, timeoutMs: 200 });
  await assert.rejects(api.getDevice(TOKEN, 'd1'), (err: unknown) => {
    assert.ok(err instanceof PortalUnreachableError);
    assert.equal(
      err.message,
      'Cannot reach the portal at https://portal.test (no answer in time).',
    );
    return true;
  });
  await portal.close();
  const closed = new ProvisioningApi(portal.api, { fetch: portal.fetch });
  await assert.rejects(
    closed.getDevice(TOKEN, 'd1'),
    /Cannot reach the portal at .*(connection refused|the connection was closed)/,
  );
});

test('the API must be https', () => {
  assert.throws(
    () => new ProvisioningApi('http://portal.test/api/v1'),
    (err: unknown) => {
      assert.ok(err instanceof SigninError);
      assert.match(err.message, /does not use https:\/\//);
      return true;
    },
  );
});
