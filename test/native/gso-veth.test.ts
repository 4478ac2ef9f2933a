/**
 * GSO and GRO between two namespaces over a veth pair, as a tunnel's UDP
 * travels between hosts: what the kernel does with a GSO packet on the way,
 * real NAPI GRO on the receiving device, and device settings that make the
 * kernel refuse GSO. Device offloads are changed with ethtool.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { release } from 'node:os';
import type { VethExchange, VethLink } from './fixtures/gso-veth-fixture.js';
import { TestNamespace } from './helpers/netns.js';
import { ensureNativeTestTools } from './helpers/tools.js';

let sender: TestNamespace | undefined;
let receiver: TestNamespace | undefined;
let link: VethLink | undefined;

before(async () => {
  await ensureNativeTestTools();
  sender = await TestNamespace.create('gsotx');
  receiver = await TestNamespace.create('gsorx');
  const { ifA, ifB } = await sender.connect(receiver, {
    v4: ['10.62.0.1/24', '10.62.0.2/24'],
    v6: ['fd62::1/64', 'fd62::2/64'],
  });
  link = {
    peer: receiver.name,
    ifA,
    ifB,
    localV4: '10.62.0.1',
    localV6: 'fd62::1',
    v4: '10.62.0.2',
    v6: 'fd62::2',
  };
});

after(async () => {
  await sender?.delete();
  await receiver?.delete();
});

function fixture<T>(scenario: string): Promise<T> {
  if (!sender || !link) throw new Error('namespaces not created');
  return sender.runFixture<T>('gso-veth-fixture', [scenario, JSON.stringify(link)]);
}

/** All `count` datagrams arrived intact, in order, from the sending socket. */
function assertDelivered(x: VethExchange, count: number, what: string): void {
  assert.equal(x.err, 0, `${what}: send result`);
  assert.equal(x.rx.received, count, `${what}: one entry per datagram`);
  assert.equal(x.rx.intact, count, `${what}: bytes intact and in order`);
  assert.deepEqual(x.rx.senders, [x.sender], `${what}: sender address and port on every entry`);
}

/** Kernel release as [major, minor]. */
function kernelVersion(): [number, number] {
  const [major = 0, minor = 0] = release().split(/[.-]/).map(Number);
  return [major, minor];
}

test('a GSO packet crosses the veth whole: coalesced for a GRO socket, segmented for a plain one', async () => {
  const r =
    await fixture<Record<'v4gro' | 'v6gro' | 'v4plain' | 'v6plain', VethExchange>>('passthrough');
  for (const [name, x] of Object.entries(r)) {
    assertDelivered(x, 41, name);
    assert.equal(x.tx.sendSyscalls, 1, `${name}: one sendmsg`);
    assert.equal(x.tx.gsoSends, 1, name);
  }
  for (const x of [r.v4gro, r.v6gro]) {
    assert.equal(x.rx.gro, true);
    assert.equal(x.rx.stats.groCoalesced, 1, 'one buffer of 41');
    assert.deepEqual(x.rx.batches, [41]);
  }
  for (const x of [r.v4plain, r.v6plain]) {
    assert.equal(x.rx.gro, false);
    assert.equal(x.rx.stats.groCoalesced, 0);
  }
});

test('device GRO: datagrams segmented before the veth are coalesced again for the GRO socket', async () => {
  const r = await fixture<{ v4: VethExchange; v6: VethExchange }>('napiGro');
  for (const [family, x] of Object.entries(r)) {
    assertDelivered(x, 41, family);
    assert.equal(x.tx.gsoSends, 1, `${family}: still one GSO sendmsg`);
    assert.ok(x.rx.stats.groCoalesced >= 1, `${family}: NAPI GRO coalesced`);
    assert.ok(x.rx.stats.recvSyscalls < 41, `${family}: ${x.rx.stats.recvSyscalls} receives`);
  }
});

test('no checksum offload on the sending veth (ethtool tx off): data intact, fallback only on old kernels', async () => {
  const r = await fixture<{ v4: VethExchange; v6: VethExchange }>('csumOff');
  // Linux 6.11 ("udp: Allow GSO transmit from devices with no checksum
  // offload") stopped refusing with EIO and checksums in software instead.
  const [major, minor] = kernelVersion();
  const refuses = major < 6 || (major === 6 && minor < 11);
  for (const [family, x] of Object.entries(r)) {
    assertDelivered(x, 82, family);
    assert.equal(x.gsoAfter, !refuses, `${family}: GSO after two runs`);
    assert.equal(x.tx.gsoFallbacks, refuses ? 1 : 0, family);
    assert.equal(x.tx.gsoSends, refuses ? 0 : 2, family);
    assert.equal(x.tx.datagramsSent, 82, family);
    assert.equal(x.tx.sendErrors, 0, family);
  }
});

test('segments larger than the veth MTU: GSO refused once, fragmented sendmmsg from then on', async () => {
  const r = await fixture<{ v4: VethExchange; v6: VethExchange }>('mtuRefusal');
  for (const [family, x] of Object.entries(r)) {
    assertDelivered(x, 20, family);
    assert.equal(x.gsoBefore, true, family);
    assert.equal(x.gsoAfter, false, `${family}: GSO off for good`);
    assert.equal(x.tx.gsoFallbacks, 1, family);
    assert.equal(x.tx.gsoSends, 0, family);
    // The refused sendmsg and a sendmmsg, then one sendmmsg for the second run.
    assert.equal(x.tx.sendSyscalls, 3, family);
    assert.equal(x.tx.sendErrors, 0, family);
  }
});
