/**
 * The TUN read side of the offloads (native/src/offload/splitter.cc), driven
 * through the addon's test hook on crafted super-packets: what JS receives
 * for a TSO/USO packet or a partial checksum. Checksums are verified with an
 * independent implementation (offload-packets.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAddon } from '../../../app/native/addon.js';
import {
  ACK,
  CWR,
  FIN,
  PSH,
  UDP,
  checksumsOk,
  concat,
  field,
  layoutOf,
  makePartial,
  packet,
  payloadOf,
  timestamps,
  virtioHeader,
} from './offload-packets.js';

const addon = loadAddon();
const NEEDS_CSUM = 1;
const GSO_TCPV4 = 1;
const GSO_TCPV6 = 4;
const GSO_UDP_L4 = 5;
const GSO_ECN = 0x80;

/** A super-packet as the kernel hands it over: one big packet, partial checksum. */
function superPacket(spec: Parameters<typeof packet>[0]): Uint8Array {
  return makePartial(packet(spec));
}

function gsoHeader(p: Uint8Array, gsoType: number, gsoSize: number, hdrLen = 0): Uint8Array {
  const l = layoutOf(p);
  return virtioHeader({
    flags: NEEDS_CSUM,
    gsoType,
    hdrLen, // deliberately wrong by default: the splitter must not trust it
    gsoSize,
    csumStart: l.ipHeader,
    csumOffset: l.proto === UDP ? 6 : 16,
  });
}

for (const v of [4, 6] as const) {
  test(`IPv${v} TSO: pieces with their own lengths, IDs, sequence numbers, flags and checksums`, () => {
    const data = payloadOf(10_000);
    const seq = 0xfffff000; // wraps inside the super-packet
    const sp = superPacket({
      v,
      seq,
      flags: ACK | PSH | FIN,
      options: timestamps(12345),
      payload: data,
      id: 0xfffe,
    });
    const pieces = addon.offloadSplit(gsoHeader(sp, v === 4 ? GSO_TCPV4 : GSO_TCPV6, 1388), sp);
    assert.equal(pieces.length, 8, 'ceil(10000 / 1388)');
    const headerLength = (v === 4 ? 20 : 40) + 32;
    pieces.forEach((p, i) => {
      const last = i === pieces.length - 1;
      assert.ok(checksumsOk(p), `piece ${i}: checksums`);
      assert.equal(
        p.length,
        headerLength + (last ? 10_000 - 7 * 1388 : 1388),
        `piece ${i}: length`,
      );
      assert.equal(field.seq(p), (seq + i * 1388) >>> 0, `piece ${i}: seq`);
      assert.equal(field.flags(p), last ? ACK | PSH | FIN : ACK, `piece ${i}: FIN/PSH only last`);
      if (v === 4) {
        assert.equal((p[2]! << 8) | p[3]!, p.length, 'total length');
        assert.equal(field.id(p), (0xfffe + i) & 0xffff, 'ID +1 per piece');
      } else {
        assert.equal((p[4]! << 8) | p[5]!, p.length - 40, 'payload length');
      }
      // Options and everything else of the header are copied unchanged.
      assert.deepEqual(
        Buffer.from(p.subarray(headerLength - 12, headerLength)),
        Buffer.from(sp.subarray(headerLength - 12, headerLength)),
      );
    });
    assert.deepEqual(concat(pieces.map(field.payload)), data, 'payload in order');
  });
}

test('TSO with the ECN bit: CWR stays on the first piece only; the TOS ECN bits stay on all', () => {
  const sp = superPacket({ v: 4, flags: ACK | CWR, tos: 0x02, payload: payloadOf(3000) });
  const pieces = addon.offloadSplit(gsoHeader(sp, GSO_TCPV4 | GSO_ECN, 1000), sp);
  assert.deepEqual(
    pieces.map((p) => field.flags(p)),
    [ACK | CWR, ACK, ACK],
  );
  assert.deepEqual(
    pieces.map((p) => p[1]),
    [2, 2, 2],
  );
  assert.ok(pieces.every(checksumsOk));
});

test('hdr_len is ignored: a header length claimed too short or too long gives the same pieces', () => {
  const sp = superPacket({ v: 6, options: timestamps(1), payload: payloadOf(4000) });
  const right = addon.offloadSplit(gsoHeader(sp, GSO_TCPV6, 1200, 72), sp);
  for (const claimed of [0, 20, 200, 65535]) {
    assert.deepEqual(addon.offloadSplit(gsoHeader(sp, GSO_TCPV6, 1200, claimed), sp), right);
  }
});

for (const v of [4, 6] as const) {
  test(`IPv${v} USO: UDP pieces with their own length fields and checksums`, () => {
    const data = payloadOf(5000, 3);
    const sp = superPacket({ v, proto: UDP, payload: data, id: 7 });
    const pieces = addon.offloadSplit(gsoHeader(sp, GSO_UDP_L4, 1400), sp);
    assert.equal(pieces.length, 4);
    pieces.forEach((p, i) => {
      assert.ok(checksumsOk(p), `piece ${i}: checksums`);
      assert.equal(field.udpLength(p), 8 + (i < 3 ? 1400 : 800));
      if (v === 4) assert.equal(field.id(p), 7 + i);
    });
    assert.deepEqual(concat(pieces.map(field.payload)), data);
  });
}

test('a TSO packet behind an IPv6 hop-by-hop header is split at csum_start', () => {
  const sp = superPacket({ v: 6, hopByHop: true, payload: payloadOf(3000) });
  const pieces = addon.offloadSplit(gsoHeader(sp, GSO_TCPV6, 1500), sp);
  assert.equal(pieces.length, 2);
  assert.ok(pieces.every(checksumsOk));
  assert.ok(
    pieces.every((p) => p[6] === 0 && p[40] === 6),
    'extension header kept',
  );
  assert.deepEqual(concat(pieces.map(field.payload)), payloadOf(3000));
});

test('NEEDS_CSUM without GSO: the partial checksum is completed (TCP and UDP, both families)', () => {
  for (const v of [4, 6] as const) {
    for (const proto of [6, UDP]) {
      const full = packet({ v, proto, payload: payloadOf(777, v + proto) });
      const partial = makePartial(Uint8Array.from(full));
      assert.ok(!checksumsOk(partial), 'crafted partial is not a valid checksum');
      const l = layoutOf(full);
      const header = virtioHeader({
        flags: NEEDS_CSUM,
        csumStart: l.ipHeader,
        csumOffset: proto === UDP ? 6 : 16,
      });
      const [out, ...rest] = addon.offloadSplit(header, partial);
      assert.equal(rest.length, 0);
      assert.deepEqual(out, Buffer.from(full), `IPv${v} proto ${proto}`);
    }
  }
});

test('a plain packet (zeroed header) passes unchanged', () => {
  const p = packet({ v: 4, payload: payloadOf(100) });
  assert.deepEqual(addon.offloadSplit(virtioHeader({}), p), [Buffer.from(p)]);
});

test('malformed super-packets are refused, not split', () => {
  const sp = superPacket({ v: 4, payload: payloadOf(3000) });
  const huge = superPacket({ v: 4, payload: payloadOf(60_000) });
  const bad: [string, Uint8Array, Uint8Array][] = [
    ['gso_size 0', gsoHeader(sp, GSO_TCPV4, 0), sp],
    ['TCPV6 on an IPv4 packet', gsoHeader(sp, GSO_TCPV6, 1000), sp],
    ['UDP_L4 on a TCP packet', gsoHeader(sp, GSO_UDP_L4, 1000), sp],
    ['unknown gso type', gsoHeader(sp, 9, 1000), sp],
    ['truncated', gsoHeader(sp, GSO_TCPV4, 1000), sp.subarray(0, 2000)],
    ['not IP', gsoHeader(sp, GSO_TCPV4, 1000), new Uint8Array(3000)],
    ['60000 pieces of 1 byte', gsoHeader(huge, GSO_TCPV4, 1), huge],
    [
      'checksum field outside the packet',
      virtioHeader({ flags: NEEDS_CSUM, csumStart: 100, csumOffset: 6 }),
      sp.subarray(0, 50),
    ],
  ];
  for (const [what, header, p] of bad) {
    assert.throws(() => addon.offloadSplit(header, p), RangeError, what);
  }
  assert.throws(() => addon.offloadSplit(new Uint8Array(4), sp), /header must be 10 bytes/);
});
