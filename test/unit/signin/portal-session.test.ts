// test-platform: not-under-wine: fetch() to a loopback server fails under wine 8 (connect UNKNOWN) while net and http work
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PortalUnreachableError, SessionExpiredError } from '../../../app/signin/errors.js';
import type { TokenSet } from '../../../app/signin/oidc.js';
import { PortalSession, type EndReason } from '../../../app/signin/portal-session.js';
import { MemoryStore } from '../../../app/signin/secret-store.js';
import type { StoredSession } from '../../../app/signin/stored-session.js';
import type { TokenAuthority } from '../../../app/signin/token-authority.js';
import { encodeKey } from '../../../app/tunnel/wireguard/keys.js';
import { FakeClock, settle } from './fake-clock.js';
import { startFakePortal, type FakePortal } from './fake-portal.js';
import { memoryLog, sampleDevice, sampleSession } from './fixtures.js';

const HOUR = 3_600_000;

class FakeAuthority implements TokenAuthority {
  refreshes: string[] = [];
  revoked: string[] = [];
  lifetimeMs = HOUR;
  failWith: Error | null = null;
  revokeFails = false;
  private n = 1;
  constructor(private readonly clock: FakeClock) {}
  async refresh(refreshToken: string): Promise<TokenSet> {
    this.refreshes.push(refreshToken);
    if (this.failWith) throw this.failWith;
    this.n++;
    return {
      access: `access-token-${this.n}`,
      refresh: `refresh-token-${this.n}`,
      expiresAt: this.clock.now + this.lifetimeMs,
    };
  }
  async revoke(refreshToken: string): Promise<void> {
    if (this.revokeFails) throw new PortalUnreachableError('Cannot reach the sign-in provider.');
    this.revoked.push(refreshToken);
  }
}

interface Rig {
  clock: FakeClock;
  authority: FakeAuthority;
  store: MemoryStore;
  portal: FakePortal;
  session: PortalSession;
  ended: [EndReason, string][];
  changed: StoredSession[];
  logLines: string[];
  /** What GET/DELETE device answers. */
  deviceStatus: number;
}

async function rig(stored: Partial<StoredSession> = {}): Promise<Rig> {
  const clock = new FakeClock();
  const authority = new FakeAuthority(clock);
  const base = sampleSession(stored);
  const r: Partial<Rig> = { clock, authority, ended: [], changed: [], deviceStatus: 200 };
  const portal = await startFakePortal((req) => {
    if (req.authorization !== `Bearer ${r.session!.session.tokens.access}`) return { status: 401 };
    if (r.deviceStatus !== 200) return { status: r.deviceStatus!, body: { error: 'x' } };
    if (req.method === 'DELETE') return { status: 204 };
    return { status: 200, body: sampleDevice(base.device.publicKey, base.device.id) };
  });
  const store = new MemoryStore(base);
  const { log, lines } = memoryLog();
  const session = new PortalSession(
    { ...base, api: portal.api },
    {
      log,
      store,
      fetch: portal.fetch,
      now: () => clock.now,
      setTimer: clock.setTimer,
      authority,
      pollIntervalMs: 60_000,
      retryDelayMs: 30_000,
    },
  );
  session.on('ended', (reason, message) => r.ended!.push([reason, message]));
  session.on('changed', (s) => r.changed!.push(s));
  Object.assign(r, { store, portal, session, logLines: lines });
  return r as Rig;
}

test('refresh is scheduled 60 s before expiry for an hour-long token, and again after each refresh', async () => {
  const r = await rig({
    tokens: { access: 'access-token-1', refresh: 'refresh-token-1', expiresAt: HOUR },
  });
  try {
    r.session.start();
    assert.deepEqual(r.clock.pending(), [60_000, HOUR - 60_000]);
    r.session.stop();
    r.session.start();
    await r.clock.advance(HOUR - 60_000 - 1);
    assert.deepEqual(r.authority.refreshes, []);
    await r.clock.advance(1);
    assert.deepEqual(r.authority.refreshes, ['refresh-token-1']);
    assert.equal(r.session.session.tokens.access, 'access-token-2');
    assert.equal((await r.store.load())!.tokens.refresh, 'refresh-token-2', 'persisted');
    assert.equal(r.changed.length, 1);
    // Next one: an hour from now, minus the margin.
    assert.ok(r.clock.pending().includes(r.clock.now + HOUR - 60_000));
    await r.clock.advance(HOUR - 60_000);
    assert.deepEqual(r.authority.refreshes, ['refresh-token-1', 'refresh-token-2']);
  } finally {
    r.session.stop();
    await r.portal.close();
  }
});

test('short-lived tokens refresh at 80 % of their lifetime', async () => {
  const r = await rig({
    tokens: { access: 'access-token-1', refresh: 'refresh-token-1', expiresAt: 100_000 },
  });
  r.authority.lifetimeMs = 100_000;
  try {
    r.session.start();
    assert.equal(r.session.refreshDueAt(), 80_000);
    await r.clock.advance(80_000);
    assert.equal(r.authority.refreshes.length, 1);
    assert.equal(r.session.refreshDueAt(), 80_000 + 80_000);
  } finally {
    r.session.stop();
    await r.portal.close();
  }
});

test('an already expired token is refreshed at once by refreshIfNeeded', async () => {
  const r = await rig();
  r.clock.now = HOUR + 5;
  try {
    await r.session.refreshIfNeeded();
    assert.equal(r.authority.refreshes.length, 1);
    await r.session.refreshIfNeeded();
    assert.equal(r.authority.refreshes.length, 1, 'fresh now');
  } finally {
    await r.portal.close();
  }
});

test('a transient refresh failure retries later and does not end the session', async () => {
  const r = await rig();
  try {
    r.session.start();
    r.authority.failWith = new PortalUnreachableError('Cannot reach the sign-in provider.');
    await r.clock.advance(HOUR - 60_000);
    assert.equal(r.authority.refreshes.length, 1);
    assert.deepEqual(r.ended, []);
    r.authority.failWith = null;
    await r.clock.advance(30_000);
    assert.equal(r.authority.refreshes.length, 2);
    assert.equal(r.session.session.tokens.access, 'access-token-2');
  } finally {
    r.session.stop();
    await r.portal.close();
  }
});

test('invalid_grant on refresh ends the session as expired and wipes the store', async () => {
  const r = await rig();
  try {
    r.session.start();
    r.authority.failWith = new SessionExpiredError();
    await r.clock.advance(HOUR - 60_000);
    assert.deepEqual(r.ended, [['expired', 'Your session has expired. Please sign in again.']]);
    assert.equal(await r.store.load(), null);
    assert.deepEqual(r.clock.pending(), [], 'no timers left');
  } finally {
    await r.portal.close();
  }
});

test('polling: a 404 ends the session as revoked, a 403 as forbidden', async () => {
  for (const [status, reason, message] of [
    [404, 'revoked', 'This device was removed on the portal.'],
    [403, 'forbidden', 'Your account is not allowed to use this VPN.'],
  ] as const) {
    const r = await rig();
    try {
      r.session.start();
      await r.clock.advance(60_000);
      assert.deepEqual(r.ended, [], 'the first poll finds the device');
      r.deviceStatus = status;
      await r.clock.advance(60_000);
      assert.deepEqual(r.ended, [[reason, message]]);
      assert.equal(await r.store.load(), null);
      assert.equal(r.portal.requests.length, 2);
      await r.clock.advance(10 * 60_000);
      assert.equal(r.portal.requests.length, 2, 'polling stopped');
    } finally {
      await r.portal.close();
    }
  }
});

test('a 401 while polling refreshes once and retries; a 401 that survives it is expired', async () => {
  const r = await rig();
  try {
    r.session.start();
    // The portal stops accepting the current token (e.g. revoked early at the provider).
    const old = r.portal.route;
    r.portal.route = (req) =>
      req.authorization === 'Bearer access-token-1' ? { status: 401 } : old(req);
    await r.clock.advance(60_000);
    assert.deepEqual(r.authority.refreshes, ['refresh-token-1']);
    assert.deepEqual(r.ended, []);
    assert.equal(r.portal.requests.length, 2);
    r.portal.route = () => ({ status: 401 });
    await r.clock.advance(60_000);
    assert.equal(r.authority.refreshes.length, 2);
    assert.deepEqual(
      r.ended.map((e) => e[0]),
      ['expired'],
    );
  } finally {
    await r.portal.close();
  }
});

test('an unreachable portal while polling is logged, not fatal', async () => {
  const r = await rig();
  await r.portal.close();
  r.session.start();
  await r.clock.advance(60_000);
  await r.clock.advance(60_000);
  assert.deepEqual(r.ended, []);
  assert.ok(r.logLines.some((l) => l.includes('could not check the device')));
  assert.equal(r.clock.pending().length, 2, 'still refreshing and polling');
  r.session.stop();
});

test('config() is the parsed tunnel with the local private key', async () => {
  const r = await rig();
  try {
    const config = r.session.config();
    assert.equal(encodeKey(config.interface.privateKey), r.session.session.privateKey);
    assert.equal(config.peers.length, 1);
    assert.equal(r.session.config(), config, 'cached');
  } finally {
    await r.portal.close();
  }
});

test('signOut removes the device, revokes the refresh token and wipes the store', async () => {
  const r = await rig();
  try {
    r.session.start();
    const report = await r.session.signOut();
    assert.deepEqual(report, { deviceRemoved: true, revoked: true, wiped: true, problems: [] });
    assert.deepEqual(r.authority.revoked, ['refresh-token-1']);
    assert.equal(r.portal.requests.at(-1)!.method, 'DELETE');
    assert.equal(await r.store.load(), null);
    assert.deepEqual(r.clock.pending(), []);
    assert.deepEqual(r.ended, []);
  } finally {
    await r.portal.close();
  }
});

test('signOut with the portal and provider down still wipes, and says what was not done', async () => {
  const r = await rig();
  await r.portal.close();
  r.authority.revokeFails = true;
  const report = await r.session.signOut();
  assert.equal(report.wiped, true);
  assert.equal(report.deviceRemoved, false);
  assert.equal(report.revoked, false);
  assert.equal(report.problems.length, 2);
  assert.match(
    report.problems[0]!,
    /^This device could not be removed from the portal \(Cannot reach the portal at .*\); remove "laptop-ann" there by hand\.$/,
  );
  assert.match(report.problems[1]!, /^The sign-in could not be revoked at the provider/);
  assert.equal(await r.store.load(), null);
  await settle();
});

test('secrets never reach the log', async () => {
  const r = await rig();
  try {
    r.session.start();
    r.session.stop();
    const s = r.session.session;
    r.session['log'].info(`leak ${s.tokens.access} ${s.tokens.refresh} ${s.privateKey}`);
    const all = r.logLines.join('\n');
    for (const secret of [s.tokens.access, s.tokens.refresh, s.privateKey]) {
      assert.ok(!all.includes(secret));
    }
  } finally {
    await r.portal.close();
  }
});
