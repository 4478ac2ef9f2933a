// Two Slipstream instances as each other's only peer: both ends of the handshake and of
// the data path are ours, so this checks our initiator against our responder for real.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  connectNamespaces,
  createNamespace,
  ensureTools,
  genKeyPair,
  ping,
  requireRoot,
  tcpTransfer,
  waitForPing,
  writeClientConfig,
  type Namespace,
} from '../harness/index.js';
import { startSlipstream, type RunningClient } from './slipstream.js';

const MiB = 1024 * 1024;

describe('two slipstream instances talking to each other', () => {
  let a: Namespace;
  let b: Namespace;
  const clients: RunningClient[] = [];

  before(async () => {
    requireRoot();
    await ensureTools();
    a = await createNamespace('pa');
    b = await createNamespace('pb');
    await connectNamespaces(a, b);
    const ka = await genKeyPair();
    const kb = await genKeyPair();
    const confA = await writeClientConfig({
      privateKey: ka.privateKey,
      addresses: ['10.77.0.1/24', 'fd00:77::1/64'],
      listenPort: 51001,
      peers: [
        {
          publicKey: kb.publicKey,
          endpoint: '10.99.0.2:51002',
          allowedIps: ['10.77.0.2/32', 'fd00:77::2/128'],
        },
      ],
    });
    // B knows no endpoint for A: it learns it from A's authenticated handshake.
    const confB = await writeClientConfig({
      privateKey: kb.privateKey,
      addresses: ['10.77.0.2/24', 'fd00:77::2/64'],
      listenPort: 51002,
      peers: [{ publicKey: ka.publicKey, allowedIps: ['10.77.0.1/32', 'fd00:77::1/128'] }],
    });
    clients.push(await startSlipstream(b, confB), await startSlipstream(a, confA));
  });
  after(async () => {
    for (const c of clients) assert.equal(await c.stop('SIGTERM'), 0);
    await cleanupAll();
  });

  test('ping in both directions and both families', async () => {
    await waitForPing(a, '10.77.0.2', { timeoutMs: 10_000 });
    for (const [ns, addr] of [
      [a, 'fd00:77::2'],
      [b, '10.77.0.1'],
      [b, 'fd00:77::1'],
    ] as const) {
      const r = await ping(ns, addr, { count: 2 });
      assert.equal(r.received, 2, `ping ${addr}: ${r.error ?? ''}`);
    }
  });

  test('a checksummed TCP transfer each way', async () => {
    const ab = await tcpTransfer({ fromNs: a, toNs: b, toAddr: '10.77.0.2', bytes: 4 * MiB });
    assert.ok(ab.sha256Match);
    const ba = await tcpTransfer({ fromNs: b, toNs: a, toAddr: 'fd00:77::1', bytes: 4 * MiB });
    assert.ok(ba.sha256Match);
  });
});
