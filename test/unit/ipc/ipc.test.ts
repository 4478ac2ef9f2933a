// The IPC contract end to end in one process: the real client and dispatcher joined by a
// loopback transport that copies payloads through JSON, as a process boundary would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient, IpcError, type Transport } from '../../../ipc/client.js';
import {
  commands,
  type CommandName,
  type EventName,
  type Settings,
  type TunnelState,
} from '../../../ipc/schema.js';
import { CommandError, createDispatcher, type Handlers } from '../../../ipc/server.js';

const profile = {
  id: 'p1',
  name: 'Office',
  addresses: ['10.200.0.2/32'],
  endpoints: ['vpn.example.com:51820'],
  peers: 1,
  fullTunnel: false,
};
let settings: Settings = {
  startAtLogin: false,
  logLevel: 'info',
  keepTunnelWhenWindowCloses: true,
};
let helperSettings = { connectAtStartup: false };
let state: TunnelState = { status: 'disconnected', profileId: null };

const handlers: Handlers = {
  getAppInfo: () => ({ version: '0.1.0', platform: 'linux', logDirectory: '/tmp', shell: 'web' }),
  getState: () => state,
  connect: ({ profileId }) => {
    if (profileId !== 'p1') throw new CommandError('not-found', 'No such profile.');
    state = { status: 'connecting', profileId, sinceMs: 0 };
    return {};
  },
  disconnect: () => {
    throw new Error('internal detail /home/user/.secret at line 42');
  },
  dismissError: () => ({}),
  listProfiles: () => ({ profiles: [profile] }),
  importProfile: ({ text }) =>
    text.includes('[Interface]')
      ? { ok: true, profile }
      : { ok: false, problems: [{ line: 1, message: 'expected [Interface] or [Peer]' }] },
  renameProfile: () => ({}),
  removeProfile: () => ({}),
  setProfileSettings: ({ settings }) => ({
    ...profile,
    settings: { killSwitch: null, allowLan: false, ...settings },
  }),
  getSettings: () => settings,
  setSettings: (patch) => (settings = { ...settings, ...patch }),
  getHelperSettings: () => helperSettings,
  setHelperSettings: (patch) => (helperSettings = { ...helperSettings, ...patch }),
  // Deliberately wrong: a handler bug must not reach the renderer as data.
  readLogs: () => ({ lines: [{ ok: true, line: -1 }], totalLines: 1, matching: 1 }) as never,
  countLogs: () => ({ matching: 0, totalLines: 0, generation: 'g' }),
  cancelLogSearch: () => ({}),
  findLogTime: () => ({ offset: 0 }),
  exportLogs: () => ({ path: '/tmp/logs.zip' }),
  openLogFolder: () => ({ path: '/tmp' }),
  signIn: () => ({}),
  signOut: () => ({}),
  getAccount: () => ({ status: 'signed-out', message: null }),
  cancelSignIn: () => ({}),
};

function loopback() {
  const errors: CommandName[] = [];
  const dispatch = createDispatcher(handlers, (c) => errors.push(c));
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const transport: Transport = {
    invoke: async (command, payload) =>
      JSON.parse(JSON.stringify(await dispatch(command, JSON.parse(JSON.stringify(payload))))),
    subscribe: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
  const emit = (event: EventName, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(JSON.parse(JSON.stringify(payload)));
  };
  return { dispatch, transport, emit, errors };
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof IpcError, String(e));
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('typed round trips for commands, including both import outcomes', async () => {
  const { transport } = loopback();
  const ipc = createClient(transport);
  assert.deepEqual(await ipc.getState({}), { status: 'disconnected', profileId: null });
  assert.deepEqual(await ipc.listProfiles({}), { profiles: [profile] });
  assert.deepEqual(await ipc.importProfile({ fileName: 'a.conf', text: '[Interface]\n' }), {
    ok: true,
    profile,
  });
  const bad = await ipc.importProfile({ fileName: 'b.conf', text: 'junk' });
  assert.equal(bad.ok, false);
  assert.deepEqual(await ipc.setSettings({ logLevel: 'debug' }), { ...settings });
  await ipc.connect({ profileId: 'p1' });
  assert.equal((await ipc.getState({})).status, 'connecting');
});

test('errors cross as typed envelopes: chosen codes, generic failures without details', async () => {
  const { transport, errors } = loopback();
  const ipc = createClient(transport);
  await rejects(ipc.connect({ profileId: 'nope' }), 'not-found', /^No such profile\.$/);
  await rejects(ipc.disconnect({}), 'failed', /^disconnect failed$/);
  assert.ok(errors.includes('disconnect'), 'the real error went to the local log hook');
  await rejects(
    ipc.readLogs({
      source: 'main',
      filter: { minLevel: 'trace', text: '' },
      offset: 0,
      limit: 10,
    }),
    'invalid-response',
  );
});

test('bad requests are refused on both ends, without echoing values', async () => {
  const { dispatch, transport } = loopback();
  const ipc = createClient(transport);
  // Client side: caught before sending.
  await rejects(ipc.connect({ profileId: 7 as unknown as string }), 'invalid-request');
  await rejects(ipc.signIn({ portalUrl: 'not a url' }), 'invalid-request');
  // Server side: a compromised renderer bypassing the client.
  const secret = 'PRIVATE-KEY-MATERIAL';
  const env = await dispatch('renameProfile', { profileId: 'p1', name: 42, extra: secret });
  assert.equal(env.ok, false);
  assert.ok(!env.ok && env.error.code === 'invalid-request');
  assert.ok(!JSON.stringify(env).includes(secret));
  assert.match(JSON.stringify(env), /name/);
  assert.deepEqual(await dispatch('rmRf', {}), {
    ok: false,
    error: { code: 'unknown-command', message: 'unknown command' },
  });
  assert.deepEqual(await dispatch('__proto__', {}), {
    ok: false,
    error: { code: 'unknown-command', message: 'unknown command' },
  });
  const huge = await dispatch('importProfile', { fileName: 'x.conf', text: 'a'.repeat(1_000_001) });
  assert.equal(huge.ok, false);
  // The helper's settings: a boolean, and nothing else rides along.
  for (const bad of [{ connectAtStartup: 'yes' }, { connectAtStartup: true, lastProfileId: 'x' }]) {
    const env = await dispatch('setHelperSettings', bad);
    assert.ok(!env.ok && env.error.code === 'invalid-request', JSON.stringify(bad));
  }
  assert.deepEqual(await ipc.setHelperSettings({ connectAtStartup: true }), {
    connectAtStartup: true,
  });
});

test('events are validated on arrival; invalid ones are dropped and reported', () => {
  const { transport, emit } = loopback();
  const invalid: EventName[] = [];
  const ipc = createClient(transport, (e) => invalid.push(e));
  const seen: TunnelState[] = [];
  const off = ipc.on('state', (s) => seen.push(s));
  emit('state', { status: 'connecting', profileId: 'p1', sinceMs: 5 });
  emit('state', { status: 'connected', profileId: 'p1' }); // missing fields
  emit('state', { status: 'teleporting' });
  off();
  emit('state', { status: 'signed-out' });
  assert.deepEqual(seen, [{ status: 'connecting', profileId: 'p1', sinceMs: 5 }]);
  assert.deepEqual(invalid, ['state', 'state']);
});

test('every command in the schema has a request and a response validator', () => {
  for (const [name, spec] of Object.entries(commands)) {
    assert.ok(spec.request.safeParse !== undefined, name);
    assert.ok(spec.response.safeParse !== undefined, name);
  }
  assert.equal(Object.keys(handlers).sort().join(), Object.keys(commands).sort().join());
});

test('a dispatcher for a subset (the helper) refuses the other commands as unknown', async () => {
  const subset = createDispatcher({ getState: () => state, dismissError: () => ({}) });
  assert.deepEqual(await subset('getState', {}), { ok: true, value: state });
  assert.deepEqual(await subset('setSettings', { logLevel: 'debug' }), {
    ok: false,
    error: { code: 'unknown-command', message: 'unknown command' },
  });
});

test('setProfileSettings: only the two settings, each of its own type, cross', async () => {
  const { transport, dispatch } = loopback();
  const client = createClient(transport);
  const updated = await client.setProfileSettings({
    profileId: 'p1',
    settings: { killSwitch: false, allowLan: true },
  });
  assert.deepEqual(updated.settings, { killSwitch: false, allowLan: true });
  const back = await client.setProfileSettings({ profileId: 'p1', settings: { killSwitch: null } });
  assert.deepEqual(back.settings, { killSwitch: null, allowLan: false });
  for (const settings of [{ allowLan: 'yes' }, { killSwitch: 1 }, { dns: '1.1.1.1' }]) {
    // Refused by the sender, and by the receiver when a sender does not check.
    await rejects(
      client.setProfileSettings({ profileId: 'p1', settings } as never),
      'invalid-request',
    );
    const raw = (await dispatch('setProfileSettings', { profileId: 'p1', settings })) as {
      ok: boolean;
      error?: { code: string };
    };
    assert.equal(raw.ok, false, JSON.stringify(settings));
    assert.equal(raw.error?.code, 'invalid-request');
  }
});
