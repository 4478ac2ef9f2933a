/**
 * Linux TUN offloads against the real kernel: a TCP transfer of 16 MiB each
 * way between two namespaces through two TUN devices opened with
 * IFF_VNET_HDR and TSO/USO, relayed by the addon (split on read, coalesced on
 * write). Contents are checked with sha256; the counters must show that the
 * kernel really handed over super-packets and took coalesced ones back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { release } from 'node:os';
import type { TunOffloads, TunStats } from '../../app/native/addon.js';
import { TestNamespace } from './helpers/netns.js';
import { fixtureLinksInHost } from './helpers/host-check.js';

const BYTES = 16 * 1024 * 1024;

/** TUN_F_USO4/6 arrived in Linux 6.2. */
function kernelHasUso(): boolean {
  const [major = 0, minor = 0] = release()
    .split('.')
    .map((n) => parseInt(n, 10));
  return major > 6 || (major === 6 && minor >= 2);
}

interface Digests {
  sent: string;
  received: string;
  receivedBytes: number;
}

interface Transfer {
  offloads: { a: TunOffloads; b: TunOffloads };
  ms: number;
  local: Digests;
  peer: Digests;
  a: TunStats;
  b: TunStats;
}

let nsA: TestNamespace | undefined;
let nsB: TestNamespace | undefined;

before(async () => {
  nsA = await TestNamespace.create('offa');
  nsB = await TestNamespace.create('offb');
});

after(async () => {
  await nsA?.delete();
  await nsB?.delete();
  assert.deepEqual(fixtureLinksInHost(), [], 'fixture links leaked into the host namespace');
});

for (const family of ['4', '6'] as const) {
  test(`IPv${family}: 16 MiB each way over TCP through offloading TUNs, split and coalesced, intact`, async () => {
    if (!nsA || !nsB) throw new Error('namespaces not created');
    const r = await nsA.runFixture<Transfer>('tun-offload-fixture', [
      'transfer',
      nsB.name,
      family,
      `${BYTES}`,
    ]);
    for (const side of [r.offloads.a, r.offloads.b]) {
      assert.equal(side.vnetHeader, true, 'IFF_VNET_HDR');
      assert.equal(side.tso, true, 'TSO4/6');
      // 6.2+ must take USO; an older kernel may have it backported, so there either way.
      if (kernelHasUso()) assert.equal(side.uso, true, `USO on ${release()}`);
    }
    assert.equal(r.local.receivedBytes, BYTES, 'client received everything');
    assert.equal(r.peer.receivedBytes, BYTES, 'server received everything');
    assert.equal(r.peer.received, r.local.sent, 'upload sha256');
    assert.equal(r.local.received, r.peer.sent, 'download sha256');
    for (const [name, s] of [
      ['A', r.a],
      ['B', r.b],
    ] as const) {
      assert.ok(s.superPacketsRead > 0, `${name}: TSO super-packets read and split`);
      assert.ok(s.superPacketsWritten > 0, `${name}: coalesced super-packets written`);
      assert.ok(s.packetsCoalesced > s.superPacketsWritten, `${name}: several packets each`);
      assert.equal(s.coalescingDisabled, 0, `${name}: the kernel took every super-packet`);
      assert.equal(s.writeErrors, 0, `${name}: no write errors`);
      assert.equal(s.readDrops, 0, `${name}: nothing dropped as malformed`);
    }
    const perRead = (s: TunStats): number => s.packetsRead / s.readSyscalls;
    const perWrite = (s: TunStats): number => s.packetsWritten / s.writeSyscalls;
    console.log(
      `IPv${family}: ${r.ms} ms; packets per read A ${perRead(r.a).toFixed(1)} B ${perRead(r.b).toFixed(1)}; ` +
        `per write A ${perWrite(r.a).toFixed(1)} B ${perWrite(r.b).toFixed(1)}; ` +
        `A ${JSON.stringify(r.a)} B ${JSON.stringify(r.b)}`,
    );
  });
}
