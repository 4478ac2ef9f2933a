/**
 * The TUN write side of the offloads (native/src/offload/coalescer.cc),
 * driven through the addon's test hook on crafted batches: which packets
 * become one super-packet, what its virtio header says, and that splitting
 * it again gives back exactly the packets that went in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAddon } from '../../../app/native/addon.js';
import type { CoalescedPacket } from '../../../app/native/types.js';
import {
  ACK,
  CWR,
  ECE,
  FIN,
  PSH,
  RST,
  SYN,
  UDP,
  URG,
  checksumsOk,
  decodeVirtio,
  packet,
  partialChecksum,
  payloadOf,
  timestamps,
  type Spec,
} from './offload-packets.js';

const addon = loadAddon();
const MSS = 1400;

/** `sizes.length` segments of one TCP flow, contiguous, consecutive IPv4 IDs. */
function flow(v: 4 | 6, sizes: number[], over: Partial<Spec> = {}, seq0 = 1_000_000): Uint8Array[] {
  let seq = seq0;
  return sizes.map((n, i) => {
    const p = packet({
      v,
      seq,
      id: 100 + i,
      options: timestamps(99),
      payload: payloadOf(n, i),
      ...over,
    });
    seq += n;
    return p;
  });
}

function groups(out: CoalescedPacket[]): number[][] {
  return out.map((o) => o.members);
}

/** Splitting a super-packet again must give back exactly its members. */
function assertRoundTrip(out: CoalescedPacket[], input: Uint8Array[]): void {
  for (const o of out) {
    const back = addon.offloadSplit(o.header, o.packet);
    assert.deepEqual(
      back,
      o.members.map((m) => Buffer.from(input[m]!)),
      `members ${o.members.join(',')} round trip`,
    );
  }
}

for (const v of [4, 6] as const) {
  test(`IPv${v}: contiguous ACK segments and a final PSH|ACK become one super-packet`, () => {
    const input = flow(v, [MSS, MSS, MSS, MSS, 600]);
    input[4] = packet({
      v,
      seq: 1_000_000 + 4 * MSS,
      id: 104,
      flags: ACK | PSH,
      options: timestamps(99),
      payload: payloadOf(600, 4),
    });
    const out = addon.offloadCoalesce(input, false);
    assert.deepEqual(groups(out), [[0, 1, 2, 3, 4]]);
    const [o] = out;
    const ipHeader = v === 4 ? 20 : 40;
    assert.deepEqual(decodeVirtio(o!.header), {
      flags: 1,
      gsoType: v === 4 ? 1 : 4,
      hdrLen: ipHeader + 32,
      gsoSize: MSS,
      csumStart: ipHeader,
      csumOffset: 16,
    });
    assert.equal(o!.packet.length, ipHeader + 32 + 4 * MSS + 600);
    // The checksum field carries the pseudo-header sum (NEEDS_CSUM), not a full checksum.
    const check = (o!.packet[ipHeader + 16]! << 8) | o!.packet[ipHeader + 17]!;
    assert.equal(check, partialChecksum(o!.packet));
    assert.equal(o!.packet[ipHeader + 13], ACK | PSH, 'PSH of the last segment');
    assertRoundTrip(out, input);
  });
}

test('a smaller segment ends the group; PSH ends it; nothing merges across either', () => {
  const input = flow(4, [MSS, MSS, 800, MSS, MSS]);
  assert.deepEqual(groups(addon.offloadCoalesce(input, false)), [
    [0, 1, 2],
    [3, 4],
  ]);
  const withPsh = flow(6, [MSS, MSS, MSS, MSS]);
  withPsh[1] = packet({
    v: 6,
    seq: 1_000_000 + MSS,
    flags: ACK | PSH,
    options: timestamps(99),
    payload: payloadOf(MSS, 1),
  });
  const out = addon.offloadCoalesce(withPsh, false);
  assert.deepEqual(groups(out), [
    [0, 1],
    [2, 3],
  ]);
  assertRoundTrip(out, withPsh);
});

test('out of order: a gap in sequence numbers starts a new group, and order is never changed', () => {
  const a = flow(4, [MSS, MSS, MSS, MSS]);
  // seq order 0, 1, 3, 2 (by MSS): 3 cannot join, 2 cannot go back before it.
  const input = [a[0]!, a[1]!, a[3]!, a[2]!];
  const out = addon.offloadCoalesce(input, false);
  assert.deepEqual(groups(out), [[0, 1], [2], [3]]);
  assertRoundTrip(out, input);
  // A retransmission (same seq twice) is not merged either.
  assert.deepEqual(groups(addon.offloadCoalesce([a[0]!, a[0]!], false)), [[0], [1]]);
});

test('only ACK or PSH|ACK with payload merge; other flags and pure ACKs go alone and end the flow group', () => {
  for (const flags of [ACK | FIN, SYN | ACK, RST | ACK, ACK | URG, ACK | ECE, ACK | CWR]) {
    const input = flow(4, [MSS, MSS, MSS]);
    input[1] = packet({
      v: 4,
      seq: 1_000_000 + MSS,
      id: 101,
      flags,
      options: timestamps(99),
      payload: payloadOf(MSS, 1),
    });
    assert.deepEqual(
      groups(addon.offloadCoalesce(input, false)),
      [[0], [1], [2]],
      `flags ${flags}`,
    );
  }
  const input = flow(4, [MSS, 0, MSS]);
  assert.deepEqual(groups(addon.offloadCoalesce(input, false)), [[0], [1], [2]], 'pure ACK');
});

test('header differences prevent merging: ECN/TOS, TTL, DF, options, ack, window, flow label', () => {
  const cases: [string, 4 | 6, Partial<Spec>][] = [
    ['ECN CE mark', 4, { tos: 3 }],
    ['TOS', 4, { tos: 0x20 }],
    ['TTL', 4, { ttl: 63 }],
    ['DF', 4, { df: false }],
    ['TCP option value', 4, { options: timestamps(100) }],
    ['TCP option length', 4, { options: [1, 1, 1, 1] }],
    ['ack', 4, { ack: 6000 }],
    ['window', 4, { window: 1024 }],
    ['traffic class', 6, { tos: 1 }],
    ['hop limit', 6, { ttl: 1 }],
    ['flow label', 6, { flowLabel: 0x12345 }],
  ];
  for (const [what, v, over] of cases) {
    const input = flow(v, [MSS, MSS]);
    input[1] = flow(v, [MSS], { id: 101, ...over }, 1_000_000 + MSS)[0]!;
    assert.deepEqual(groups(addon.offloadCoalesce(input, false)), [[0], [1]], what);
  }
  // The control: the same construction without a difference does merge.
  const same = flow(4, [MSS, MSS]);
  same[1] = flow(4, [MSS], { id: 101 }, 1_000_000 + MSS)[0]!;
  assert.deepEqual(groups(addon.offloadCoalesce(same, false)), [[0, 1]]);
});

test('IPv4 IDs: consecutive needed when DF is clear, not when DF is set', () => {
  const loose = flow(4, [MSS, MSS], { df: false });
  assert.deepEqual(groups(addon.offloadCoalesce(loose, false)), [[0, 1]]);
  loose[1] = flow(4, [MSS], { df: false, id: 500 }, 1_000_000 + MSS)[0]!;
  assert.deepEqual(groups(addon.offloadCoalesce(loose, false)), [[0], [1]]);
  const df = flow(4, [MSS, MSS]);
  df[1] = flow(4, [MSS], { id: 500 }, 1_000_000 + MSS)[0]!;
  assert.deepEqual(groups(addon.offloadCoalesce(df, false)), [[0, 1]]);
});

test('a bad checksum (IP header or TCP) keeps that packet out, unchanged', () => {
  for (const at of [10, 60]) {
    const input = flow(4, [MSS, MSS, MSS]);
    input[1]![at]! ^= 0x40;
    assert.ok(!checksumsOk(input[1]!));
    const out = addon.offloadCoalesce(input, false);
    assert.deepEqual(groups(out), [[0], [1], [2]], `corrupt byte ${at}`);
    assert.deepEqual(out[1]!.packet, Buffer.from(input[1]!));
    assert.deepEqual(decodeVirtio(out[1]!.header).gsoType, 0);
  }
  const first = flow(6, [MSS, MSS]);
  first[0]![100]! ^= 1;
  assert.deepEqual(groups(addon.offloadCoalesce(first, false)), [[0], [1]]);
});

test('IPv6 extension headers, IPv4 options and fragments never merge', () => {
  assert.deepEqual(groups(addon.offloadCoalesce(flow(6, [MSS, MSS], { hopByHop: true }), false)), [
    [0],
    [1],
  ]);
  assert.deepEqual(groups(addon.offloadCoalesce(flow(4, [MSS, MSS], { ipOptions: true }), false)), [
    [0],
    [1],
  ]);
  const frag = flow(4, [MSS, MSS, MSS]);
  frag[1] = flow(4, [MSS], { id: 101, fragment: true }, 1_000_000 + MSS)[0]!;
  assert.deepEqual(groups(addon.offloadCoalesce(frag, false)), [[0], [1], [2]]);
});

test('interleaved flows each coalesce; the super-packet holds at most 65535 bytes', () => {
  const a = flow(4, [MSS, MSS, MSS]);
  const b = flow(4, [MSS, MSS, MSS], { sport: 40001 });
  const input = [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!];
  const out = addon.offloadCoalesce(input, false);
  assert.deepEqual(groups(out), [
    [0, 2, 4],
    [1, 3, 5],
  ]);
  assertRoundTrip(out, input);
  const long = flow(4, new Array<number>(60).fill(MSS));
  const big = addon.offloadCoalesce(long, false);
  // 20 + 32 + 46 * 1400 = 64452 <= 65535 < 65852.
  assert.deepEqual(
    big.map((o) => o.members.length),
    [46, 14],
  );
  assert.ok(big.every((o) => o.packet.length <= 65535));
  assertRoundTrip(big, long);
});

for (const v of [4, 6] as const) {
  test(`IPv${v} UDP: same-size datagrams and a smaller last coalesce only when USO is on`, () => {
    const sizes = [1200, 1200, 1200, 500, 1200];
    const input = sizes.map((n, i) =>
      packet({ v, proto: UDP, id: 10 + i, payload: payloadOf(n, i) }),
    );
    assert.deepEqual(groups(addon.offloadCoalesce(input, false)), [[0], [1], [2], [3], [4]]);
    const out = addon.offloadCoalesce(input, true);
    assert.deepEqual(groups(out), [[0, 1, 2, 3], [4]]);
    const ipHeader = v === 4 ? 20 : 40;
    assert.deepEqual(decodeVirtio(out[0]!.header), {
      flags: 1,
      gsoType: 5,
      hdrLen: ipHeader + 8,
      gsoSize: 1200,
      csumStart: ipHeader,
      csumOffset: 6,
    });
    assert.equal((out[0]!.packet[ipHeader + 4]! << 8) | out[0]!.packet[ipHeader + 5]!, 8 + 4100);
    assertRoundTrip(out, input);
  });
}

test("UDP joins only the flow's last group: a bigger datagram starts a new one, nothing is reordered", () => {
  const sizes = [800, 1200, 800, 800];
  const input = sizes.map((n, i) =>
    packet({ v: 4, proto: UDP, id: 10 + i, payload: payloadOf(n, i) }),
  );
  const out = addon.offloadCoalesce(input, true);
  // 800 < 1200 ends the second group: the last datagram goes alone.
  assert.deepEqual(groups(out), [[0], [1, 2], [3]]);
  assertRoundTrip(out, input);
  const zero = [0, 1].map((i) =>
    packet({ v: 4, proto: UDP, id: 10 + i, payload: payloadOf(800, i), noUdpChecksum: true }),
  );
  assert.deepEqual(
    groups(addon.offloadCoalesce(zero, true)),
    [[0], [1]],
    'no checksum: not verified, alone',
  );
});

test('non-IP bytes and other protocols pass through alone', () => {
  const icmp = packet({ v: 4, proto: 1, payload: payloadOf(8) });
  const garbage = new Uint8Array([1, 2, 3]);
  const input = [...flow(4, [MSS]), icmp, garbage, ...flow(4, [MSS], { id: 101 }, 1_000_000 + MSS)];
  const out = addon.offloadCoalesce(input, true);
  assert.deepEqual(groups(out), [[0, 3], [1], [2]]);
  assert.deepEqual(out[2]!.packet, Buffer.from(garbage));
});
