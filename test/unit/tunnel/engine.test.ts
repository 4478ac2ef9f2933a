// Two TunnelEngines wired back to back in memory: the real core, the real crypto worker
// pool and GSO queue, with in-memory stand-ins only for the kernel (TUN and UDP). Checks
// what the kernel cannot show directly: exact per-peer order under parallel crypto, GSO
// runs per batch, the fallback path, and handshakes worked a budget at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../app/log/logger.js';
import type {
  DatagramBatch,
  PacketBatch,
  TunDevice,
  TunStats,
  UdpSocket,
  UdpStats,
} from '../../../app/native/types.js';
import { loadAddon } from '../../../app/native/addon.js';
import { TunnelEngine, type EngineOptions } from '../../../app/tunnel/engine.js';
import { WireGuardDevice } from '../../../app/tunnel/wireguard/device.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../app/tunnel/wireguard/keys.js';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import { cidr, ipv4Packet } from '../wireguard/harness.js';

function batchOf(packets: Uint8Array[]): PacketBatch {
  const total = packets.reduce((n, p) => n + p.length, 0);
  const data = Buffer.alloc(total);
  const offsets = new Uint32Array(packets.length);
  const lengths = new Uint32Array(packets.length);
  let at = 0;
  packets.forEach((p, i) => {
    data.set(p, at);
    offsets[i] = at;
    lengths[i] = p.length;
    at += p.length;
  });
  return { data, offsets, lengths, count: packets.length };
}

class MemoryTun implements TunDevice {
  readonly name = 'mem0';
  readonly ifindex = 1;
  readonly offloads = { vnetHeader: false, tso: false, uso: false };
  coalescing = false;
  readonly written: Uint8Array[] = [];
  writeCalls = 0;
  private onPackets: ((b: PacketBatch) => void) | null = null;
  start(cb: (b: PacketBatch) => void): void {
    this.onPackets = cb;
  }
  /** One TUN read; its arena is scribbled over afterwards, as the addon reuses it. */
  read(packets: Uint8Array[]): void {
    const batch = batchOf(packets);
    this.onPackets?.(batch);
    batch.data.fill(0xee);
  }
  write(p: Uint8Array): number {
    this.written.push(p.slice());
    return 0;
  }
  /** Acts like the addon when the kernel refuses a super-packet: coalescing goes off. */
  refuseCoalescing = false;
  writeBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    this.writeCalls++;
    if (this.refuseCoalescing && count > 1) this.coalescing = false;
    for (let i = 0; i < count; i++)
      this.written.push(data.slice(offsets[i]!, offsets[i]! + lengths[i]!));
    return count;
  }
  stats(): TunStats {
    return {
      readSyscalls: 0,
      packetsRead: 0,
      writeSyscalls: this.writeCalls,
      packetsWritten: this.written.length,
      writeErrors: 0,
      superPacketsRead: 0,
      checksumsCompleted: 0,
      readDrops: 0,
      superPacketsWritten: 0,
      packetsCoalesced: 0,
      coalescingDisabled: 0,
    };
  }
  close(): void {}
}

/** Delivers sent datagrams to the other end on the next macrotask, as a kernel would. */
class MemoryUdp implements UdpSocket {
  readonly ipv6 = true;
  peer: MemoryUdp | null = null;
  gso = true;
  gsoFallbacks = 0;
  refuseGso = false;
  sendCalls = 0;
  segmentSends: number[] = [];
  private onDatagrams: ((b: DatagramBatch) => void) | null = null;
  constructor(
    readonly port: number,
    private readonly addr: Uint8Array,
  ) {}
  start(cb: (b: DatagramBatch) => void): void {
    this.onDatagrams = cb;
  }
  send(data: Uint8Array): number {
    this.sendCalls++;
    this.deliver([data.slice()]);
    return 0;
  }
  sendSegments(data: Uint8Array, segmentSize: number): number {
    this.sendCalls++;
    if (this.gso && this.refuseGso) {
      this.gso = false;
      this.gsoFallbacks++;
    }
    const parts: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += segmentSize)
      parts.push(data.slice(at, at + segmentSize));
    if (this.gso) this.segmentSends.push(parts.length);
    this.deliver(parts);
    return 0;
  }
  setGso(enabled: boolean): void {
    this.gso = enabled;
  }
  gro = true;
  setGro(enabled: boolean): void {
    this.gro = enabled;
  }
  sendMany(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    this.sendCalls++;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) parts.push(data.slice(offsets[i]!, offsets[i]! + lengths[i]!));
    this.deliver(parts);
    return count;
  }
  stats(): UdpStats {
    return {
      sendSyscalls: this.sendCalls,
      datagramsSent: 0,
      gsoSends: this.segmentSends.length,
      segmentsSent: this.segmentSends.reduce((a, b) => a + b, 0),
      recvSyscalls: 0,
      datagramsReceived: 0,
      groCoalesced: 0,
      gsoFallbacks: this.gsoFallbacks,
      sendErrors: 0,
    };
  }
  close(): void {}
  /** Hands `parts` to the engine at once, as one batch from `from`:`port`. */
  receive(parts: Uint8Array[], from: Uint8Array, port: number): void {
    const b = batchOf(parts);
    const addrs = new Uint8Array(16 * parts.length);
    parts.forEach((_, i) => addrs.set(from, i * 16));
    this.onDatagrams?.({
      ...b,
      ports: new Uint16Array(parts.length).fill(port),
      families: new Uint8Array(parts.length).fill(4),
      addrs,
    });
    // The addon reuses its receive arena once the callback returns.
    b.data.fill(0xee);
  }
  private deliver(parts: Uint8Array[]): void {
    const to = this.peer;
    if (!to) return;
    const from = this.addr;
    const port = this.port;
    setImmediate(() => to.receive(parts, from, port));
  }
}

function makePair(workers: number, logLines?: string[], extra: Partial<EngineOptions> = {}) {
  const log = createLogger({
    level: logLines ? 'warn' : 'error',
    target: 'test',
    sinks: logLines ? [{ write: (line: string) => logLines.push(line) }] : [],
  });
  const keyA = generatePrivateKey();
  const keyB = generatePrivateKey();
  const tunA = new MemoryTun();
  const tunB = new MemoryTun();
  const udpA = new MemoryUdp(51001, new Uint8Array([192, 0, 2, 1]));
  const udpB = new MemoryUdp(51002, new Uint8Array([192, 0, 2, 2]));
  udpA.peer = udpB;
  udpB.peer = udpA;
  const engine = (
    key: Uint8Array,
    tun: MemoryTun,
    udp: MemoryUdp,
    peerKey: Uint8Array,
    peerIp: string,
    peerPort: number,
  ) =>
    new TunnelEngine(
      (transportCrypto) => {
        const d = new WireGuardDevice({ privateKey: key, now: performance.now(), transportCrypto });
        d.addPeer({
          publicKey: publicKeyFromPrivate(peerKey),
          endpoint: { host: peerIp, port: peerPort },
          allowedIps: [cidr(`${peerIp === '192.0.2.2' ? '10.0.0.2' : '10.0.0.1'}/32`)],
        });
        return d;
      },
      tun,
      udp,
      log,
      () => {},
      // The addon's batched copy, as the session passes it: copies wait for a flush.
      { cryptoWorkers: workers, copyRanges: loadAddon().copyRanges, ...extra },
    );
  const a = engine(keyA, tunA, udpA, keyB, '192.0.2.2', 51002);
  const b = engine(keyB, tunB, udpB, keyA, '192.0.2.1', 51001);
  a.start();
  b.start();
  return { a, b, tunA, tunB, udpA, udpB };
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Packet n from A to B: its sequence number sits in the payload. */
function numbered(n: number, size = 1200): Uint8Array {
  const body = new Uint8Array(size);
  new DataView(body.buffer).setUint32(0, n);
  return ipv4Packet('10.0.0.1', '10.0.0.2', body);
}

for (const workers of [0, 2]) {
  test(`${workers} crypto workers: 6400 packets in 100 batches arrive complete and in order`, async () => {
    const { a, b, tunA, tunB, udpA } = makePair(workers);
    try {
      tunA.read([numbered(0)]);
      await until(() => tunB.written.length === 1, 'the first packet after the handshake');
      const N = 6400;
      for (let batch = 0; batch < 100; batch++) {
        const packets = Array.from({ length: 64 }, (_, i) => numbered(1 + batch * 64 + i));
        tunA.read(packets);
        if (batch % 10 === 9) await new Promise((r) => setImmediate(r));
      }
      await until(() => tunB.written.length === N + 1, `${N} packets`);
      const order = tunB.written.map((p) => new DataView(p.buffer, p.byteOffset).getUint32(20));
      assert.deepEqual(
        order,
        Array.from({ length: N + 1 }, (_, i) => i),
        'in order, none lost',
      );
      assert.ok(
        tunB.written.every((p) => p.length === 1220),
        'inner lengths restored, padding removed',
      );
      const runs = udpA.segmentSends;
      const mean = runs.reduce((x, y) => x + y, 0) / runs.length;
      assert.ok(
        mean > 16,
        `a batch of 64 leaves in few GSO runs (mean ${mean.toFixed(1)} per run)`,
      );
      assert.ok(tunB.writeCalls < tunB.written.length / 8, 'TUN writes are batched');
      assert.equal(a.stats().crypto.workers, workers);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
}

test('a native data path that cannot open: one warning, and the JavaScript path carries the data', async () => {
  const lines: string[] = [];
  let opened = 0;
  const open = () => {
    opened++;
    throw new Error('openFastPath: the device or socket is already read elsewhere');
  };
  const { a, b, tunA, tunB } = makePair(0, lines, { fastPath: { open, mtu: 1420 } });
  try {
    assert.equal(opened, 2, 'both ends tried');
    assert.equal(a.dataPath, 'javascript');
    tunA.read([numbered(1)]);
    await until(() => tunB.written.length === 1, 'a packet through the JavaScript path');
    const warnings = lines.filter((l) => l.includes('native data path could not start'));
    assert.equal(warnings.length, 2, 'one warning per engine');
    assert.ok(
      warnings.every((l) => l.includes('already read elsewhere')),
      'with the reason',
    );
  } finally {
    await a.stop();
    await b.stop();
  }
  // --js-data-path: not even tried.
  const off = makePair(0, [], { fastPath: { open, mtu: 1420 }, nativeDataPath: false });
  await off.a.stop();
  await off.b.stop();
  assert.equal(opened, 2);
  assert.equal(off.a.dataPath, 'javascript');
});

test('when the socket refuses GSO the engine keeps sending and the fallback is visible', async () => {
  const { a, b, tunA, tunB, udpA } = makePair(1);
  udpA.refuseGso = true;
  try {
    tunA.read(Array.from({ length: 64 }, (_, i) => numbered(i)));
    await until(() => tunB.written.length === 64, '64 packets');
    tunA.read(Array.from({ length: 64 }, (_, i) => numbered(64 + i)));
    await until(() => tunB.written.length === 128, '128 packets');
    assert.equal(a.stats().gso, false);
    assert.equal(udpA.gsoFallbacks, 1);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('when the TUN turns coalescing off the engine logs one warning and keeps writing', async () => {
  const lines: string[] = [];
  const { a, b, tunA, tunB } = makePair(0, lines);
  tunB.offloads.vnetHeader = true;
  tunB.coalescing = true;
  tunB.refuseCoalescing = true;
  try {
    for (let round = 0; round < 3; round++) {
      tunA.read(Array.from({ length: 64 }, (_, i) => numbered(round * 64 + i)));
      await until(() => tunB.written.length === 64 * (round + 1), `${64 * (round + 1)} packets`);
    }
    const warnings = lines.filter((l) => l.includes('refused a coalesced TUN write'));
    assert.equal(warnings.length, 1, `one warning, not one per write:\n${lines.join('\n')}`);
    assert.equal(tunB.coalescing, false);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('1000 handshake initiations in one batch: data right behind them is not held up, and the queue drains on the timer', async () => {
  const { a, b, tunA, tunB, udpB } = makePair(0);
  try {
    tunA.read([numbered(0)]);
    await until(() => tunB.written.length === 1, 'the first packet after the handshake');
    // Initiations with a valid mac1 for B from an identity it does not know: anyone can send them.
    const stranger = new WireGuardDevice({ privateKey: generatePrivateKey(), now: 0 });
    stranger.addPeer({
      publicKey: b.device.publicKey,
      endpoint: { host: '192.0.2.2', port: 51002 },
      allowedIps: [],
    });
    const made: Effect[] = [];
    stranger.probePeers(0, made);
    const initiation = made.find((e) => e.type === 'udp');
    assert.ok(initiation?.type === 'udp');
    const queuedWhenDataArrived: number[] = [];
    const write = tunB.writeBatch.bind(tunB);
    tunB.writeBatch = (...args) => {
      queuedWhenDataArrived.push(b.device.stats().handshakes.queued);
      return write(...args);
    };
    const worked0 = b.device.stats().handshakes.worked;
    udpB.receive(
      Array.from({ length: 1000 }, () => initiation.data),
      new Uint8Array([203, 0, 113, 9]),
      40_000,
    );
    const afterBatch = b.device.stats().handshakes;
    const withBatch = afterBatch.worked - worked0;
    assert.ok(withBatch >= 1 && withBatch <= 64, `one budget of work with the batch: ${withBatch}`);
    assert.equal(afterBatch.queued, 1000 - (afterBatch.worked - worked0), 'the rest waits');
    tunA.read([numbered(1)]);
    await until(() => tunB.written.length === 2, 'the data packet');
    assert.ok(queuedWhenDataArrived[0]! > 0, 'it arrived while handshakes were still queued');
    await until(() => b.device.stats().handshakes.queued === 0, 'the queue drained on its own');
    assert.equal(b.device.stats().handshakes.worked - worked0, 1000);
  } finally {
    await a.stop();
    await b.stop();
  }
});
