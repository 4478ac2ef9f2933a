// test-platform: not-under-wine: fetch() to a loopback server fails under wine 8 (connect UNKNOWN) while net and http work
// The account's sign-in end (expiresAt) for the notifications: taken from the stored session
// when signed in, moved by each renewal, null when the provider does not say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '../../../ipc/client.js';
import type { AccountState } from '../../../ipc/schema.js';
import { Account } from '../../../app/main/account.js';
import type { TokenSet } from '../../../app/signin/oidc.js';
import { MemoryStore } from '../../../app/signin/secret-store.js';
import type { TokenAuthority } from '../../../app/signin/token-authority.js';
import { makeTempDir } from '../../harness/tempfiles.js';
import { FakeClock } from '../signin/fake-clock.js';
import { startFakePortal } from '../signin/fake-portal.js';
import { memoryLog, sampleDevice, sampleSession } from '../signin/fixtures.js';

const HOUR = 3_600_000;

test("signed in: expiresAt is the session's end, and follows each renewal", async () => {
  const clock = new FakeClock();
  let nextEnd: number | undefined = 8 * HOUR + HOUR;
  let n = 1;
  const authority: TokenAuthority = {
    refresh: async (): Promise<TokenSet> => {
      n++;
      return {
        access: `access-token-${n}`,
        refresh: `refresh-token-${n}`,
        expiresAt: clock.now + HOUR,
        ...(nextEnd === undefined ? {} : { sessionEndsAt: nextEnd }),
      };
    },
    revoke: async () => {},
  };
  const base = sampleSession({
    tokens: {
      access: 'access-token-1',
      refresh: 'refresh-token-1',
      expiresAt: HOUR,
      sessionEndsAt: 8 * HOUR,
    },
  });
  const portal = await startFakePortal(() => ({
    status: 200,
    body: sampleDevice(base.device.publicKey, base.device.id),
  }));
  const dir = makeTempDir('ss-account-');
  const helper = {
    listProfiles: async () => ({ profiles: [] }),
    importProfile: async () => ({
      ok: true,
      profile: {
        id: '0123456789abcdef',
        name: 'vpn (company account)',
        addresses: [],
        endpoints: [],
        peers: 1,
        fullTunnel: true,
      },
    }),
    getState: async () => ({ status: 'disconnected', profileId: null }),
    disconnect: async () => ({}),
    removeProfile: async () => ({}),
  } as unknown as Client;
  const states: AccountState[] = [];
  const account = new Account({
    store: new MemoryStore({ ...base, api: portal.api }),
    dataDir: dir.path,
    helper,
    log: memoryLog().log,
    onState: (s) => states.push(s),
    sessionDeps: {
      authority,
      fetch: portal.fetch,
      now: () => clock.now,
      setTimer: clock.setTimer,
      pollIntervalMs: 10 * HOUR,
    },
  });
  const expiresAt = () => {
    const s = account.state;
    return s.status === 'signed-in' ? s.expiresAt : 'not signed in';
  };
  try {
    await account.restore();
    assert.equal(expiresAt(), 8 * HOUR, 'from the stored session');
    // The renewal 60 s before the access token's end moves the sign-in's end.
    await clock.advance(HOUR - 60_000);
    assert.equal(n, 2, 'renewed once');
    assert.equal(expiresAt(), 9 * HOUR);
    assert.equal(states.at(-1)?.status === 'signed-in' && states.at(-1), account.state);
    // A renewal from a provider that no longer says: unknown, so no warning.
    nextEnd = undefined;
    await clock.advance(HOUR);
    assert.equal(n, 3);
    assert.equal(expiresAt(), null);
  } finally {
    account.stop();
    await portal.close();
    dir.remove();
  }
});
