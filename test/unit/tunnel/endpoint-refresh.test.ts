// EndpointRefresher: when a host-name endpoint is looked up again, and what it does with
// the answer (a fake resolver and clock; the real resolver is in the integration test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../app/log/logger.js';
import {
  EndpointRefresher,
  UNANSWERED_MS,
  type NamedPeer,
} from '../../../app/tunnel/endpoint-refresh.js';
import type { Endpoint } from '../../../app/tunnel/wireguard/types.js';

const silent = createLogger({ level: 'error', target: 't', sinks: [] });
const peer: NamedPeer = {
  name: 'P',
  publicKey: new Uint8Array(32),
  host: 'vpn.example',
  port: 51820,
};

function rig(answers: (string[] | Error)[]) {
  let now = 1000;
  let current: Endpoint | null = { host: '192.0.2.1', port: 51820 };
  const applied: Endpoint[] = [];
  const lookups: string[] = [];
  const r = new EndpointRefresher({
    peers: [peer],
    current: () => current,
    apply: (_p, ep) => {
      applied.push(ep);
      current = ep;
    },
    log: silent,
    clock: () => now,
    resolve: (host) => {
      lookups.push(host);
      const a = answers.shift() ?? ['192.0.2.1'];
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  });
  return { r, applied, lookups, advance: (ms: number) => (now += ms) };
}

const initiated = (attempt: number) => ({
  name: 'handshake-initiated' as const,
  peer: 'P',
  attempt,
});

test('a handshake soon after the last lookup brings none; one 15 s later does', async () => {
  const { r, lookups, advance } = rig([]);
  r.onEvent(initiated(1));
  advance(UNANSWERED_MS - 1);
  r.onEvent(initiated(2));
  assert.equal(lookups.length, 0);
  advance(1);
  r.onEvent(initiated(3));
  await r.refresh('settle');
  assert.equal(lookups.length, 1, 'the 15-s lookup (the refresh joined it)');
  r.onEvent({ name: 'handshake-complete', peer: 'P', role: 'initiator' });
  r.onEvent(initiated(1));
  assert.equal(lookups.length, 1, 'just looked up');
});

test('a new address moves the endpoint; an address still listed stays', async () => {
  const { r, applied } = rig([['203.0.113.9'], ['198.51.100.1', '203.0.113.9']]);
  await r.refresh('reconnect attempt');
  assert.deepEqual(applied, [{ host: '203.0.113.9', port: 51820 }]);
  await r.refresh('reconnect attempt');
  assert.equal(applied.length, 1, 'round robin: the address in use is among the answers');
});

test('a failed lookup keeps the address in use; lookups in flight are shared', async () => {
  const { r, applied, lookups } = rig([Object.assign(new Error('x'), { code: 'ENOTFOUND' })]);
  await Promise.all([r.refresh('a'), r.refresh('b')]);
  assert.equal(lookups.length, 1);
  assert.deepEqual(applied, []);
});

test('after stop, an answer changes nothing', async () => {
  const { r, applied } = rig([['203.0.113.9']]);
  const pending = r.refresh('x');
  r.stop();
  await pending;
  assert.deepEqual(applied, []);
});
