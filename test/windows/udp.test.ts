// A real UDP round trip over loopback through the addon's Winsock code
// (native/src/windows/udp_{socket,send,receive}_windows.cc) in Windows node.exe under wine: single sends,
// segmented sends (wine has no USO, so these take the one-datagram-per-send path),
// batches to IPv4 and IPv6 destinations, and what a receive batch reports.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, test } from 'node:test';
import { loadAddon } from '../../app/native/addon.js';
import type { DatagramBatch, UdpSocket } from '../../app/native/types.js';

const addon = loadAddon();
const LOOPBACK4 = new Uint8Array([127, 0, 0, 1]);
const LOOPBACK6 = new Uint8Array(16);
LOOPBACK6[15] = 1;

interface Got {
  text: string;
  port: number;
  family: number;
}

/** A started socket whose datagrams collect in `got`; `until(n)` waits for n of them. */
function receiver(): { socket: UdpSocket; got: Got[]; until: (n: number) => Promise<void> } {
  const socket = addon.openUdp({ port: 0 });
  const got: Got[] = [];
  socket.start((b: DatagramBatch) => {
    for (let i = 0; i < b.count; i++) {
      const at = b.offsets[i]!;
      got.push({
        text: b.data.subarray(at, at + b.lengths[i]!).toString(),
        port: b.ports[i]!,
        family: b.families[i]!,
      });
    }
  });
  const until = async (n: number) => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(got.length, n, `received ${got.length} of ${n} datagrams`);
  };
  return { socket, got, until };
}

const rx = receiver();
const tx = addon.openUdp({ port: 0 });
after(() => {
  rx.socket.close();
  tx.close();
});

test('two sockets bind distinct ports; fwmark is refused on Windows', () => {
  assert.ok(rx.socket.port > 0 && tx.port > 0 && rx.socket.port !== tx.port);
  assert.throws(() => addon.openUdp({ port: 0, fwmark: 51820 }), /ENOTSUP|not supported/);
});

test('a single datagram arrives with its sender', async () => {
  rx.got.length = 0;
  assert.equal(tx.send(Buffer.from('hello'), LOOPBACK4, rx.socket.port), 0);
  await rx.until(1);
  assert.deepEqual(rx.got[0], { text: 'hello', port: tx.port, family: 4 });
});

test('sendSegments: every segment arrives as its own datagram, in order', async (t) => {
  rx.got.length = 0;
  // wine has no USO: the probe fails, so gso is false and segments go one per send.
  const usoAtOpen = tx.gso;
  t.diagnostic(`USO at open: ${usoAtOpen}`);
  const parts = ['aaaa', 'bbbb', 'cccc', 'dd'];
  assert.equal(tx.sendSegments(Buffer.from(parts.join('')), 4, LOOPBACK4, rx.socket.port), 0);
  await rx.until(4);
  assert.deepEqual(
    rx.got.map((g) => g.text),
    parts,
  );
  const s = tx.stats();
  if (!usoAtOpen) {
    assert.equal(s.gsoSends, 0);
    assert.equal(tx.gso, false);
    tx.setGso(true);
    assert.equal(tx.gso, false, 'setGso(true) cannot turn on what the stack lacks');
  }
  assert.ok(s.datagramsSent >= 5);
  assert.equal(s.sendErrors, 0);
});

test('a segment larger than any datagram is EMSGSIZE, counted, nothing sent', () => {
  const before = tx.stats();
  assert.equal(
    tx.sendSegments(Buffer.alloc(70000), 65508, LOOPBACK4, rx.socket.port),
    os.constants.errno.EMSGSIZE,
  );
  assert.equal(tx.stats().sendErrors, before.sendErrors + 1);
  assert.equal(tx.stats().datagramsSent, before.datagramsSent);
});

test('sendMany: a batch to IPv4 and IPv6 loopback arrives whole', async (t) => {
  if (!tx.ipv6 || !rx.socket.ipv6) {
    t.diagnostic('no IPv6 socket under this wine: IPv4 only');
  }
  rx.got.length = 0;
  const texts = ['one', 'two', 'three', 'four'];
  const data = Buffer.from(texts.join(''));
  const offsets = new Uint32Array(4);
  const lengths = new Uint32Array(4);
  const addrs = new Uint8Array(64);
  const families = new Uint8Array(4);
  const ports = new Uint16Array(4);
  let at = 0;
  texts.forEach((s, i) => {
    offsets[i] = at;
    lengths[i] = s.length;
    at += s.length;
    const v6 = tx.ipv6 && rx.socket.ipv6 && i % 2 === 1;
    addrs.set(v6 ? LOOPBACK6 : LOOPBACK4, i * 16);
    families[i] = v6 ? 6 : 4;
    ports[i] = rx.socket.port;
  });
  assert.equal(tx.sendMany(data, offsets, lengths, 4, addrs, families, ports), 4);
  await rx.until(4);
  assert.deepEqual(rx.got.map((g) => g.text).sort(), [...texts].sort());
  assert.deepEqual(rx.got.map((g) => g.family).sort(), [...families].sort());
  const r = rx.socket.stats();
  assert.ok(r.recvSyscalls > 0);
  assert.ok(r.datagramsReceived >= 4);
});

test('URO is off by default', () => {
  assert.equal(rx.socket.gro, false);
});
