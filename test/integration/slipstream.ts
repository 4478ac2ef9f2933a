// Runs the real `slipstream` CLI inside a test namespace and inspects what it did to the
import assert from 'node:assert/strict';
// namespace's network state.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor, type ManagedProcess, type Namespace } from '../harness/index.js';
import { TUNNEL_RUNTIME_FLAGS } from '../../app/util/runtime-flags.js';

export const CLI = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'app',
  'cli',
  'main.js',
);

export interface RunningClient {
  proc: ManagedProcess;
  ifname: string;
  listenPort: number;
  /** Sends `signal` and waits for the exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `slipstream up` and waits for its "tunnel up" log line. */
export async function startSlipstream(
  ns: Namespace,
  configPath: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningClient> {
  // With the V8 flags of the CLI's shebang, so what is measured is what users run.
  const argv = [...TUNNEL_RUNTIME_FLAGS, CLI, 'up', '--config', configPath, ...extra];
  const proc = ns.spawn(process.execPath, argv, {
    label: `slipstream in ${ns.name}`,
    env,
  });
  const m = await proc.waitForOutput(/^\{.*"message":"tunnel up".*$/m, {
    timeoutMs: 15_000,
    stream: 'stderr',
  });
  const line = JSON.parse(m[0]) as { interface: string; listenPort: number };
  return {
    proc,
    ifname: line.interface,
    listenPort: line.listenPort,
    stop: async (signal: NodeJS.Signals = 'SIGINT') => {
      proc.child.kill(signal);
      const info = await proc.exited;
      return info.code;
    },
  };
}

/** Everything a tunnel may change in a namespace, as comparable text. */
export async function networkSnapshot(ns: Namespace): Promise<Record<string, unknown>> {
  // A fresh veth's link-local address is tentative until duplicate address detection ends,
  // and the kernel adds its local route only then; compare settled states, not a race.
  await waitFor(
    async () => (await ns.ip(['-6', 'addr', 'show', 'tentative'])).stdout.trim() === '',
    {
      timeoutMs: 5_000,
      what: 'IPv6 duplicate address detection to settle',
    },
  );
  const j = async (args: string[]) => JSON.parse((await ns.ip(['-j', ...args])).stdout) as unknown;
  const links = (await j(['link'])) as { ifname: string }[];
  return {
    links: links.map((l) => l.ifname).sort(),
    addr: await j(['addr']),
    route4: await j(['-4', 'route', 'show', 'table', 'all']),
    route6: await j(['-6', 'route', 'show', 'table', 'all']),
    rule4: await j(['-4', 'rule']),
    rule6: await j(['-6', 'rule']),
    srcValidMark: await ns.readSysctl('net.ipv4.conf.all.src_valid_mark'),
    resolvConf: await ns.readResolvConf(),
    firewall: (await ns.exec('nft', ['list', 'ruleset'])).stdout,
  };
}

/** Parsed JSONL lines the client wrote to stderr. */
export function logLines(proc: ManagedProcess): Record<string, unknown>[] {
  return proc
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Asserts two snapshots are equal, naming the entries that were added or removed. */
export function assertSameNetwork(
  after: Record<string, unknown>,
  before: Record<string, unknown>,
  what: string,
): void {
  const problems: string[] = [];
  for (const key of Object.keys(before)) {
    const a = after[key];
    const b = before[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (Array.isArray(a) && Array.isArray(b)) {
      const bs = new Set(b.map((x) => JSON.stringify(x)));
      const as = new Set(a.map((x) => JSON.stringify(x)));
      const added = [...as].filter((x) => !bs.has(x));
      const removed = [...bs].filter((x) => !as.has(x));
      problems.push(
        `${key}: added ${added.join(', ') || '-'}; removed ${removed.join(', ') || '-'}`,
      );
    } else {
      problems.push(`${key}: ${JSON.stringify(b)} became ${JSON.stringify(a)}`);
    }
  }
  assert.deepEqual(problems, [], `${what}: ${problems.join(' | ')}`);
}
