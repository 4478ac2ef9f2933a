// The tunnel benchmark of `npm run bench`: clients of one wireguard-go 2023 server (2023,
// 2022, Slipstream) and pairs (2023 ↔ 2023, Slipstream ↔ Slipstream), all in one run, every
// round in the reverse order of the one before, so drift on a shared machine hits every
// variant alike. Writes its section of BENCHMARKS.md and the README's table.
import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import { cleanupAll } from '../../harness/cleanup.js';
import { ensureTools, findExecutable } from '../../harness/system.js';
import { requireCommands } from '../../harness/system-packages.js';
import { writeBenchSection, writeReadmeSection } from '../report.js';
import { formatBenchCommand, type BenchOptions } from './options.js';
import { measureSample, type Sample } from './measure.js';
import {
  renderBenchmarks,
  renderReadme,
  SLIPSTREAM,
  summarize,
  WG_2022,
  WG_2023,
  type TunnelResults,
} from './report.js';
import { Rig, type Implementation, type RunningEnd } from './rig.js';
import { wireguardGo2023 } from './wireguard-go-backports.js';

const CLIENTS: Implementation[] = [WG_2023, WG_2022, SLIPSTREAM];
const PAIRS: Implementation[] = [WG_2023, SLIPSTREAM];

/** Every round reverses the previous one's order. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...items] : [...items].reverse();
}

function debianVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
  } catch {
    return 'unknown version';
  }
}

async function withEnds<T>(
  starts: (() => Promise<RunningEnd>)[],
  fn: (ends: RunningEnd[]) => Promise<T>,
): Promise<T> {
  const ends: RunningEnd[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    // Client first, then the server.
    for (const e of ends.reverse()) await e.stop().catch((err: unknown) => errors.push(err));
    return errors;
  };
  let result: T;
  try {
    for (const start of starts) ends.push(await start());
    result = await fn(ends);
  } catch (e) {
    await stopAll();
    throw e;
  }
  // A tunnel that fails to stop cleanly is a finding, not noise: it fails the bench.
  const errors = await stopAll();
  if (errors.length > 0) throw errors[0];
  return result;
}

export async function runTunnelBench(o: BenchOptions): Promise<void> {
  await ensureTools();
  if (o.syscallSeconds > 0 && o.only.has('client')) requireCommands('perf');
  const wg2023 = await wireguardGo2023();
  const wg2022 = findExecutable('wireguard-go');
  if (wg2022 === null) throw new Error('wireguard-go is not installed (test/setup/install.mjs)');
  console.log(`wireguard-go 2023: ${wg2023.path} (${wg2023.version})`);
  const binaries = { wg2023: wg2023.path, wg2022 };
  const runClient = o.only.has('client');
  const runPair = o.only.has('pair');
  const clientSamples = new Map<string, Sample[]>(CLIENTS.map((c) => [c, []]));
  const pairSamples = new Map<string, Sample[]>(PAIRS.map((c) => [c, []]));
  const rigs: Rig[] = [];
  try {
    const clientRig = runClient ? await Rig.create('bc', binaries) : null;
    if (clientRig) rigs.push(clientRig);
    const pairRig = runPair ? await Rig.create('bp', binaries) : null;
    if (pairRig) rigs.push(pairRig);
    // One server for every client sample: what differs between them is the client alone.
    const server = clientRig ? await clientRig.startServer(WG_2023) : null;
    try {
      for (let round = 0; round < o.rounds; round++) {
        if (clientRig) {
          for (const impl of roundOrder(CLIENTS, round)) {
            const s = await withEnds([() => clientRig.startClient(impl)], ([c]) =>
              measureSample(clientRig, c!, [c!], o),
            );
            clientSamples.get(impl)!.push(s);
            console.log(`round ${round + 1} client ${impl}: ${JSON.stringify(s)}`);
          }
        }
        if (pairRig) {
          for (const impl of roundOrder(PAIRS, round)) {
            const s = await withEnds(
              [() => pairRig.startServer(impl), () => pairRig.startClient(impl)],
              ([srv, c]) => measureSample(pairRig, c!, [srv!, c!], { ...o, syscallSeconds: 0 }),
            );
            pairSamples.get(impl)!.push(s);
            console.log(`round ${round + 1} pair ${impl}: ${JSON.stringify(s)}`);
          }
        }
      }
    } finally {
      await server?.stop();
    }
  } finally {
    for (const r of rigs) await r.destroy().catch(() => {});
    await cleanupAll();
  }
  const results: TunnelResults = {
    client: runClient ? CLIENTS.map((c) => summarize(c, clientSamples.get(c)!)) : null,
    pair: runPair ? PAIRS.map((c) => summarize(c, pairSamples.get(c)!)) : null,
  };
  const meta = {
    command: formatBenchCommand(o),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}`,
    date: new Date().toISOString(),
    seconds: o.seconds,
    rounds: o.rounds,
    syscallSeconds: o.syscallSeconds,
    wg2023Version: wg2023.version,
    wg2022Version: debianVersion('wireguard-go'),
  };
  const md = renderBenchmarks(results, meta);
  writeBenchSection('tunnel', md);
  writeReadmeSection('tunnel', renderReadme(results, meta));
  console.log(md);
}
