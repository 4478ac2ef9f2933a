// A flood of handshake initiations with a valid mac1 (anyone who knows the client's public key
// can make those) must not stall the data path: `slipstream up` against stock wireguard-go,
// a flooder in a third namespace sending 10 000 initiations per second at the client's listen
// port for 10 s, and pings through the tunnel every 25 ms meanwhile.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  connectNamespaces,
  createNamespace,
  createTopology,
  ensureTools,
  ping,
  requireRoot,
  runOk,
  waitForPing,
  type Namespace,
  type Topology,
  type VethLink,
} from '../harness/index.js';
import { logLines, startSlipstream } from './slipstream.js';

const FLOODER = fileURLToPath(new URL('../harness/handshake-flooder.js', import.meta.url));
const RATE = 10_000;
const SECONDS = 10;
const PING_INTERVAL_S = 0.025;
const PING_COUNT = 380; // 9.5 s of the 10 s flood
// A stall is a run of late pings, not one: on two shared cores a single ping can meet a GC
// pause or a descheduled thread. So: 99 % of pings under P99_RTT_MS, at most LATE_ALLOWED
// pings over LATE_RTT_MS, and none near the 1 s timeout.
const P99_RTT_MS = 25;
const LATE_RTT_MS = 50;
const LATE_ALLOWED = 2;
const MAX_RTT_MS = 250;
const NICE = -10;
// The client's caps on cookie replies (app/tunnel/wireguard/constants.ts), restated here
// so that a change to them is a deliberate change to this test too.
const PER_SOURCE_BURST = 5;
const PER_SOURCE_PER_SECOND = 20;

interface FloodReport {
  sent: number;
  sendErrors: number;
  seconds: number;
  ratePerSecond: number;
  perSecond: number[];
  maxTickGapMs: number;
  cookieReplies: number;
  otherReplies: number;
}

interface HandshakeCounters {
  received: number;
  queued: number;
  worked: number;
  challengesSent: number;
  peakQueue: number;
}

/** User + system CPU time of a process, in seconds (from /proc/<pid>/stat). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Raises the scheduling priority of every thread of `pid`. The suite shares its cores with
 * whatever else runs (other suites, browsers that raise their own priority); what is measured
 * here is the latency the client and the server add themselves, not how long the kernel
 * leaves them waiting for a core. The code before this fix still stalled at this priority.
 */
async function raisePriority(pid: number | undefined): Promise<void> {
  assert.ok(pid !== undefined, 'process is running');
  const threads = await readdir(`/proc/${pid}/task`);
  await runOk('renice', ['-n', String(NICE), '-p', ...threads]);
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

describe('a flood of valid-mac1 handshake initiations', () => {
  let topo: Topology;
  let attackerNs: Namespace;
  let attackLink: VethLink;

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'hf' });
    attackerNs = await createNamespace('hfatk');
    attackLink = await connectNamespaces(attackerNs, topo.clientNs, {
      v4: ['10.98.0.1/24', '10.98.0.2/24'],
      v6: false,
    });
  });
  after(async () => {
    await cleanupAll();
  });

  test('10 k/s for 10 s: pings through the tunnel not stalled (p99 under 25 ms, at most 2 over 50 ms), cookie replies capped', async (t) => {
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig());
    let flood: FloodReport;
    let pings: Awaited<ReturnType<typeof ping>>;
    let afterwards: Awaited<ReturnType<typeof ping>>;
    let cpuBefore = 0;
    let cpuDuring = 0;
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      await raisePriority(client.proc.child.pid);
      await raisePriority(topo.server.pid);
      const flooder = attackerNs.spawn(
        process.execPath,
        [
          FLOODER,
          attackLink.b.v4 ?? '',
          String(client.listenPort),
          topo.client.publicKey,
          String(RATE),
          String(SECONDS),
        ],
        { label: 'handshake flooder' },
      );
      await flooder.waitForOutput(/^FLOODING \d+$/m, { timeoutMs: 10_000 });
      cpuBefore = await cpuSeconds(client.proc.child.pid);
      pings = await ping(topo.clientNs, topo.tunnel.serverV4, {
        count: PING_COUNT,
        intervalSec: PING_INTERVAL_S,
        timeoutSec: 1,
      });
      cpuDuring = (await cpuSeconds(client.proc.child.pid)) - cpuBefore;
      const exit = await flooder.exited;
      assert.equal(exit.code, 0, `flooder ${flooder.stderr()}`);
      flood = JSON.parse(flooder.stdout().trim().split('\n').pop() ?? '{}') as FloodReport;
      afterwards = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 3 });
    } finally {
      assert.equal(await client.stop('SIGINT'), 0, 'clean exit');
    }
    const down = logLines(client.proc).find((l) => l.message === 'tunnel going down');
    assert.ok(down, 'counters logged at shutdown');
    const handshakes = down.handshakes as HandshakeCounters | undefined;
    const drops = (down.drops ?? {}) as Record<string, number>;
    const rtts = pings.replyRttsMs;
    const maxRtt = Math.max(...rtts);
    t.diagnostic(
      `flood: ${flood.sent} sent in ${flood.seconds} s (${flood.ratePerSecond}/s; per second ` +
        `${flood.perSecond.join(' ')}; longest tick gap ${flood.maxTickGapMs} ms), ` +
        `${flood.cookieReplies} cookie replies back`,
    );
    t.diagnostic(
      `pings: ${pings.received}/${pings.transmitted}, RTT median ${median(rtts)} ms, max ${maxRtt} ms`,
    );
    const slowest = rtts
      .map((rtt, i) => ({ rtt, atMs: Math.round(i * PING_INTERVAL_S * 1000) }))
      .sort((a, b) => b.rtt - a.rtt)
      .slice(0, 5);
    t.diagnostic(`slowest pings (ms after the flood began): ${JSON.stringify(slowest)}`);
    t.diagnostic(`client CPU time during the flood: ${cpuDuring.toFixed(2)} s`);
    t.diagnostic(
      `client: handshakes ${JSON.stringify(handshakes)}, drops ${JSON.stringify(drops)}`,
    );

    // The flood was real, steady, and reached the client's core.
    assert.equal(flood.sendErrors, 0);
    assert.ok(flood.sent >= 0.95 * RATE * SECONDS, `flooder sent ${flood.sent}`);
    assert.ok(handshakes, 'handshake counters logged');
    assert.ok(
      handshakes.received >= 0.9 * flood.sent,
      `client saw ${handshakes.received} of ${flood.sent} initiations`,
    );
    assert.ok(handshakes.challengesSent > 0, 'the client was under load and asked for cookies');

    // The data path did not stall.
    assert.equal(pings.received, pings.transmitted, 'no ping lost during the flood');
    assert.equal(rtts.length, pings.received);
    const p99 = percentile(rtts, 99);
    const late = rtts.filter((rtt) => rtt > LATE_RTT_MS).length;
    assert.ok(p99 < P99_RTT_MS, `99th percentile ping ${p99} ms (median ${median(rtts)} ms)`);
    assert.ok(late <= LATE_ALLOWED, `${late} pings over ${LATE_RTT_MS} ms`);
    assert.ok(maxRtt < MAX_RTT_MS, `slowest ping ${maxRtt} ms (median ${median(rtts)} ms)`);
    assert.equal(afterwards.received, 3, 'the tunnel still works afterwards');

    // Cookie replies to the flooder's address stayed under the per-source cap.
    const capToFlooder = PER_SOURCE_BURST + PER_SOURCE_PER_SECOND * (flood.seconds + 1);
    assert.ok(
      flood.cookieReplies <= capToFlooder,
      `${flood.cookieReplies} cookie replies reached the flooder (cap ${capToFlooder})`,
    );
    assert.ok(handshakes.challengesSent <= capToFlooder, 'and no others were sent');
  });
});
