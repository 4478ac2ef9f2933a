// The preload's API (app/main/electron/preload-api.ts) against a fake ipcRenderer:
// only schema names reach a channel, and renderer listeners never see the IPC event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands, events } from '../../../ipc/schema.js';
import { createPreloadApi, type IpcRendererSeam } from '../../../app/main/electron/preload-api.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpc() {
  const invoked: [string, unknown[]][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererSeam = {
    invoke(channel, ...args) {
      invoked.push([channel, args]);
      return Promise.resolve({ ok: true, value: { echo: channel } });
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'the ipcRenderer' }, ...args);
  };
  return { ipc, invoked, listeners, emit };
}

test('every schema command goes to its own channel with the payload', async () => {
  const { ipc, invoked } = fakeIpc();
  const api = createPreloadApi(ipc);
  for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
    assert.deepEqual(await api.invoke(name, { x: 1 }), {
      ok: true,
      value: { echo: `slipstream:command:${name}` },
    });
  }
  assert.equal(invoked.length, Object.keys(commands).length);
  assert.deepEqual(invoked[0], ['slipstream:command:getAppInfo', [{ x: 1 }]]);
});

test('names outside the schema never reach ipcRenderer', async () => {
  const { ipc, invoked, listeners } = fakeIpc();
  const api = createPreloadApi(ipc);
  for (const bad of ['nope', 'toString', '__proto__', 'constructor', '', 42, null]) {
    const answer = await api.invoke(bad as never, {});
    assert.deepEqual(answer, {
      ok: false,
      error: { code: 'unknown-command', message: 'unknown command' },
    });
    assert.throws(() => api.subscribe(bad as never, () => {}), TypeError);
  }
  assert.equal(invoked.length, 0);
  assert.equal(listeners.size, 0);
});

test('listeners get the payload only, and unsubscribe once', () => {
  const { ipc, listeners, emit } = fakeIpc();
  const api = createPreloadApi(ipc);
  const seen: unknown[][] = [];
  const off = api.subscribe('state', (...args: unknown[]) => seen.push(args));
  assert.throws(() => api.subscribe('state', 'not a function' as never), TypeError);
  emit('slipstream:event:state', { status: 'signed-out' });
  emit('slipstream:event:logGrowth', { process: 'main', totalLines: 3 });
  assert.deepEqual(seen, [[{ status: 'signed-out' }]]);
  off();
  off();
  assert.equal(listeners.get('slipstream:event:state')?.size, 0);
  emit('slipstream:event:state', { status: 'signed-out' });
  assert.equal(seen.length, 1);
  // Every schema event can be subscribed.
  for (const name of Object.keys(events) as (keyof typeof events)[])
    api.subscribe(name, () => {})();
});

test('the exposed object is exactly the Transport: invoke and subscribe', () => {
  const api = createPreloadApi(fakeIpc().ipc);
  assert.deepEqual(Object.keys(api).sort(), ['invoke', 'subscribe']);
});
