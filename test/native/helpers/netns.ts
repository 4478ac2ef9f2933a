/**
 * A throwaway network namespace for the native tests. The test process stays
 * in the host namespace and never creates kernel objects itself: everything
 * that touches links, addresses, routes, rules or sockets runs in a fixture
 * child started with `ip netns exec`, and the namespace (with whatever the
 * fixture left in it) is deleted afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const failure = err as (Error & { code?: unknown; signal?: unknown }) | null;
      resolve({
        code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
        signal:
          failure && typeof failure.signal === 'string' ? (failure.signal as NodeJS.Signals) : null,
        stdout,
        stderr,
      });
    });
  });
}

async function mustRun(file: string, args: string[]): Promise<string> {
  const result = await exec(file, args, 10_000);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr.trim() || result.code}`);
  }
  return result.stdout;
}

export class TestNamespace {
  private deleted = false;

  private constructor(readonly name: string) {}

  /** Creates `sstest-<suite>-<random>` with its loopback up. */
  static async create(suite: string): Promise<TestNamespace> {
    const ns = new TestNamespace(`sstest-${suite}-${randomBytes(4).toString('hex')}`);
    await mustRun('ip', ['netns', 'add', ns.name]);
    try {
      await mustRun('ip', ['-n', ns.name, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      await ns.delete();
      throw e;
    }
    return ns;
  }

  /** Runs fixtures/<script>.js <args> inside the namespace. */
  runFixtureProcess(
    script: string,
    args: string[],
    options: { nodeArgs?: string[]; timeoutMs?: number } = {},
  ): Promise<ProcessResult> {
    const file = path.join(FIXTURES, `${script}.js`);
    return exec(
      'ip',
      ['netns', 'exec', this.name, process.execPath, ...(options.nodeArgs ?? []), file, ...args],
      options.timeoutMs ?? 30_000,
    );
  }

  /** Runs a fixture scenario that must succeed and returns its JSON report. */
  async runFixture<T>(script: string, args: string[], nodeArgs: string[] = []): Promise<T> {
    const result = await this.runFixtureProcess(script, args, { nodeArgs });
    if (result.code !== 0) {
      throw new Error(
        `fixture ${script} ${args.join(' ')} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`,
      );
    }
    const lines = result.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
  }

  /**
   * Joins this namespace to `peer` with a veth pair: this end gets `v4[0]`
   * and `v6[0]` (CIDR), the peer's end `v4[1]` and `v6[1]`. Both ends are up,
   * without kernel link-local addresses, and have carrier when this returns.
   * The pair goes away with either namespace.
   */
  async connect(
    peer: TestNamespace,
    addrs: { v4: [string, string]; v6: [string, string] },
  ): Promise<{ ifA: string; ifB: string }> {
    const id = randomBytes(3).toString('hex');
    const ifA = `vg${id}a`;
    const ifB = `vg${id}b`;
    await mustRun('ip', [
      '-n',
      this.name,
      'link',
      'add',
      ifA,
      'type',
      'veth',
      'peer',
      'name',
      ifB,
      'netns',
      peer.name,
    ]);
    const ends: [TestNamespace, string, 0 | 1][] = [
      [this, ifA, 0],
      [peer, ifB, 1],
    ];
    for (const [ns, ifname, i] of ends) {
      await mustRun('ip', ['-n', ns.name, 'link', 'set', ifname, 'addrgenmode', 'none']);
      await mustRun('ip', ['-n', ns.name, 'addr', 'add', addrs.v4[i], 'dev', ifname]);
      await mustRun('ip', ['-n', ns.name, 'addr', 'add', addrs.v6[i], 'dev', ifname, 'nodad']);
      await mustRun('ip', ['-n', ns.name, 'link', 'set', ifname, 'up']);
    }
    // Carrier arrives asynchronously once both ends are up.
    const deadline = Date.now() + 5000;
    for (const [ns, ifname] of ends) {
      for (;;) {
        const [l] = await ns.ipJson<{ operstate?: string }[]>(['link', 'show', ifname]);
        if (l?.operstate === 'UP') break;
        if (Date.now() > deadline) throw new Error(`no carrier on ${ifname}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return { ifA, ifB };
  }

  /** Reads `ip -j <args>` inside the namespace. */
  async ipJson<T>(args: string[]): Promise<T> {
    return JSON.parse((await mustRun('ip', ['-n', this.name, '-j', ...args])) || '[]') as T;
  }

  async delete(): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    await mustRun('ip', ['netns', 'del', this.name]);
  }
}
