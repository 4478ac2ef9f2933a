// Network namespaces for tests: created with unique `ss-` names, joined by veth pairs, and
// always deleted again (with everything running inside) through the cleanup registry.
//
// Nothing here touches the host's own interfaces, routes or /etc/resolv.conf: veth pairs
// are created from inside one namespace straight into the other, and DNS settings go to
// /etc/netns/<name>/resolv.conf, which `ip netns exec` bind-mounts over /etc/resolv.conf
// for the processes it starts.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registerCleanup } from './cleanup.js';
import { ManagedProcess, type ManagedSpawnOptions } from './process.js';
import { childEnv, run, runOk, type RunOptions, type RunResult } from './system.js';
import { waitFor } from './wait.js';

// The registry lives in cleanup.ts; re-exported because namespaces are its main customer.
export { cleanupAll } from './cleanup.js';

export const NAMESPACE_PREFIX = 'ss-';
const NETNS_ETC_DIR = '/etc/netns';
// Records which process created each namespace, so leftovers of a killed run can be found.
const OWNER_DIR = '/run/slipstream-harness';

export interface ResolvConf {
  nameservers: string[];
  search?: string[];
  options?: string[];
}

export class Namespace {
  private readonly processes = new Set<ManagedProcess>();
  private deleted = false;
  private readonly unregister: () => void;

  /** Use createNamespace(); this only wraps a namespace that already exists. */
  constructor(readonly name: string) {
    this.unregister = registerCleanup({
      label: `namespace ${name}`,
      run: () => this.delete(),
      runSync: () => this.deleteSync(),
    });
  }

  get isDeleted(): boolean {
    return this.deleted;
  }

  private assertAlive(): void {
    if (this.deleted) throw new Error(`namespace ${this.name} has been deleted`);
  }

  /** Runs a command inside the namespace; resolves whatever its exit code. */
  async run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.assertAlive();
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /** Runs a command inside the namespace; rejects with its stderr unless it exits 0. */
  async exec(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.assertAlive();
    return runOk('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /** `ip <args>` inside the namespace (ip -n), rejecting on failure. */
  async ip(args: readonly string[]): Promise<RunResult> {
    this.assertAlive();
    return runOk('ip', ['-n', this.name, ...args]);
  }

  /** Names of the network interfaces in the namespace. */
  async links(): Promise<string[]> {
    const out = (await this.ip(['-j', 'link'])).stdout;
    return (JSON.parse(out) as { ifname: string }[]).map((l) => l.ifname);
  }

  /**
   * Starts a long-running process inside the namespace. It is stopped when the namespace is
   * deleted (or at cleanupAll / process exit). `ip netns exec` execs the command in place,
   * so the child's pid is the command's own pid and signals reach it directly.
   */
  spawn(cmd: string, args: readonly string[], opts: ManagedSpawnOptions = {}): ManagedProcess {
    this.assertAlive();
    const proc = new ManagedProcess('ip', ['netns', 'exec', this.name, cmd, ...args], {
      label: `${cmd} in ${this.name}`,
      ...opts,
    });
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /**
   * Sets a sysctl inside the namespace only (e.g. net.ipv4.ip_forward): /proc/sys/net shows
   * the namespace of the process that opens it, here one started inside.
   */
  async sysctl(key: string, value: string | number): Promise<void> {
    if (!/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/.test(key)) throw new Error(`invalid sysctl key ${key}`);
    const file = `/proc/sys/${key.replaceAll('.', '/')}`;
    await this.exec('tee', [file], { input: `${value}\n` });
  }

  /** Reads a sysctl as seen inside the namespace. */
  async readSysctl(key: string): Promise<string> {
    if (!/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/.test(key)) throw new Error(`invalid sysctl key ${key}`);
    return (await this.exec('cat', [`/proc/sys/${key.replaceAll('.', '/')}`])).stdout.trim();
  }

  private get etcDir(): string {
    return path.join(NETNS_ETC_DIR, this.name);
  }

  /** Path that processes in this namespace see as /etc/resolv.conf (when it exists). */
  get resolvConfPath(): string {
    return path.join(this.etcDir, 'resolv.conf');
  }

  /**
   * Gives processes started in this namespace from now on their own /etc/resolv.conf.
   * Processes already running keep the view they started with. Writes made by a process in
   * the namespace land in this file (and renames onto /etc/resolv.conf fail with EBUSY,
   * as on any bind-mounted resolv.conf).
   */
  async writeResolvConf(conf: ResolvConf | string): Promise<string> {
    this.assertAlive();
    const text =
      typeof conf === 'string'
        ? conf
        : [
            ...conf.nameservers.map((n) => `nameserver ${n}`),
            ...(conf.search && conf.search.length > 0 ? [`search ${conf.search.join(' ')}`] : []),
            ...(conf.options && conf.options.length > 0
              ? [`options ${conf.options.join(' ')}`]
              : []),
          ].join('\n') + '\n';
    if (!existsSync(NETNS_ETC_DIR)) createdEtcNetns = true;
    mkdirSync(this.etcDir, { recursive: true, mode: 0o755 });
    writeFileSync(this.resolvConfPath, text, { mode: 0o644 });
    return this.resolvConfPath;
  }

  /** Current content of the namespace's resolv.conf, or null if it has none. */
  async readResolvConf(): Promise<string | null> {
    try {
      return await readFile(this.resolvConfPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /** Removes /etc/netns/<name> (so new processes see the host's resolv.conf again). */
  async removeResolvConf(): Promise<void> {
    rmSync(this.etcDir, { recursive: true, force: true });
  }

  /** Stops processes started here, kills any others inside, deletes the namespace. Idempotent. */
  async delete(): Promise<void> {
    if (this.deleted) return;
    await Promise.all([...this.processes].map((p) => p.stop({ graceMs: 2000 })));
    await killNamespacePids(this.name);
    const res = await run('ip', ['netns', 'del', this.name]);
    removeNamespaceFiles(this.name);
    this.markDeleted();
    if (res.code !== 0 && (await namespaceExists(this.name))) {
      throw new Error(`ip netns del ${this.name} failed: ${res.stderr.trim()}`);
    }
  }

  /** Synchronous delete for exit handlers: SIGKILL everything inside, then delete. */
  deleteSync(): void {
    if (this.deleted) return;
    for (const p of this.processes) p.killSync();
    deleteNamespaceSync(this.name);
    this.markDeleted();
  }

  private markDeleted(): void {
    this.deleted = true;
    this.unregister();
  }
}

// Set when the harness made /etc/netns itself, so it can take it away again once empty.
let createdEtcNetns = false;

function removeNamespaceFiles(name: string): void {
  rmSync(path.join(NETNS_ETC_DIR, name), { recursive: true, force: true });
  rmSync(path.join(OWNER_DIR, name), { force: true });
  if (createdEtcNetns) {
    try {
      rmdirSync(NETNS_ETC_DIR);
      createdEtcNetns = false;
    } catch {
      // not empty: other namespaces still use it
    }
  }
}

function pidsInNamespaceSync(name: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', name], { env: childEnv(), encoding: 'utf8' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return [];
  return r.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

// Processes the harness did not spawn itself (e.g. daemons a client started) would keep the
// namespace alive after `ip netns del`; give them a moment to exit cleanly, then kill them.
async function killNamespacePids(name: string): Promise<void> {
  let pids = pidsInNamespaceSync(name);
  if (pids.length === 0) return;
  signalAll(pids, 'SIGTERM');
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    pids = pidsInNamespaceSync(name);
    if (pids.length === 0) return;
  }
  signalAll(pids, 'SIGKILL');
}

function deleteNamespaceSync(name: string): void {
  signalAll(pidsInNamespaceSync(name), 'SIGKILL');
  spawnSync('ip', ['netns', 'del', name], { env: childEnv(), stdio: 'ignore' });
  removeNamespaceFiles(name);
}

/** Names of all network namespaces on the machine (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const r = await runOk('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

export async function namespaceExists(name: string): Promise<boolean> {
  return (await listNamespaces()).includes(name);
}

const PREFIX_RE = /^[a-z0-9][a-z0-9-]{0,15}$/;

/**
 * Creates `ss-<prefix>-<random>` with loopback up. Registered for deletion at cleanupAll()
 * and at process exit.
 */
export async function createNamespace(prefix: string): Promise<Namespace> {
  if (!PREFIX_RE.test(prefix)) {
    throw new Error(
      `namespace prefix must be 1-16 lowercase letters, digits or dashes, got ${JSON.stringify(prefix)}`,
    );
  }
  for (let attempt = 0; ; attempt++) {
    const name = `${NAMESPACE_PREFIX}${prefix}-${randomBytes(3).toString('hex')}`;
    const res = await run('ip', ['netns', 'add', name]);
    if (res.code !== 0) {
      if (attempt < 3 && /exists/i.test(res.stderr)) continue;
      throw new Error(`ip netns add ${name} failed: ${res.stderr.trim()}`);
    }
    // Registered before anything else can fail, so a half-built namespace is still removed.
    const ns = new Namespace(name);
    try {
      mkdirSync(OWNER_DIR, { recursive: true, mode: 0o755 });
      writeFileSync(path.join(OWNER_DIR, name), `${process.pid}\n`);
      await ns.ip(['link', 'set', 'lo', 'up']);
    } catch (e) {
      await ns.delete().catch(() => {});
      throw e;
    }
    return ns;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes `ss-` namespaces left by harness processes that no longer exist (a run killed with
 * SIGKILL cannot clean up after itself). Namespaces of live processes, e.g. a test running in
 * parallel, are left alone. Returns the names deleted.
 */
export async function reapStaleNamespaces(): Promise<string[]> {
  let owners: string[];
  try {
    owners = readdirSync(OWNER_DIR);
  } catch {
    return [];
  }
  const existing = new Set(await listNamespaces());
  const reaped: string[] = [];
  for (const name of owners) {
    if (!name.startsWith(NAMESPACE_PREFIX)) continue;
    const pid = Number.parseInt(readFileSync(path.join(OWNER_DIR, name), 'utf8'), 10);
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    if (existing.has(name)) {
      await killNamespacePids(name);
      await run('ip', ['netns', 'del', name]);
      reaped.push(name);
    }
    removeNamespaceFiles(name);
  }
  return reaped;
}

export interface VethEnd {
  ns: Namespace;
  ifname: string;
  /** IPv4 address without prefix length, e.g. "10.99.0.1", or null if none was assigned. */
  v4: string | null;
  v4Cidr: string | null;
  /** IPv6 address without prefix length, e.g. "fd99::1", or null if none was assigned. */
  v6: string | null;
  v6Cidr: string | null;
}

export interface VethLink {
  a: VethEnd;
  b: VethEnd;
}

export interface ConnectOptions {
  /** [a, b] IPv4 addresses with prefix. Default ['10.99.0.1/24', '10.99.0.2/24']; false: none. */
  v4?: [string, string] | false;
  /** [a, b] IPv6 addresses with prefix (added nodad). Default ['fd99::1/64', 'fd99::2/64']; false: none. */
  v6?: [string, string] | false;
  /** Interface names [a, b] (max 15 chars). Default random `ve<hex>a` / `ve<hex>b`. */
  ifnames?: [string, string];
  mtu?: number;
}

/** Strips the prefix length from "10.0.0.1/24" → "10.0.0.1". */
export function addressOf(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** Joins two namespaces with a veth pair, addressed and up. */
export async function connectNamespaces(
  a: Namespace,
  b: Namespace,
  opts: ConnectOptions = {},
): Promise<VethLink> {
  if (a === b || a.name === b.name) throw new Error('cannot connect a namespace to itself');
  const v4 = opts.v4 === false ? null : (opts.v4 ?? ['10.99.0.1/24', '10.99.0.2/24']);
  const v6 = opts.v6 === false ? null : (opts.v6 ?? ['fd99::1/64', 'fd99::2/64']);
  const id = randomBytes(3).toString('hex');
  const [ifA, ifB] = opts.ifnames ?? [`ve${id}a`, `ve${id}b`];
  for (const n of [ifA, ifB]) {
    if (!IFNAME_RE.test(n)) throw new Error(`invalid interface name ${JSON.stringify(n)}`);
  }
  // Created from inside `a` with the peer placed directly in `b`: never in the host namespace.
  await a.ip(['link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.name]);
  const ends: [Namespace, string, number][] = [
    [a, ifA, 0],
    [b, ifB, 1],
  ];
  for (const [ns, ifname, i] of ends) {
    if (opts.mtu !== undefined) await ns.ip(['link', 'set', ifname, 'mtu', String(opts.mtu)]);
    // No kernel-generated link-local address: it would appear (with its local route) some
    // time after the link comes up, so before/after snapshots of a namespace would race it.
    await ns.ip(['link', 'set', ifname, 'addrgenmode', 'none']);
    const cidr4 = v4?.[i];
    if (cidr4) await ns.ip(['-4', 'addr', 'add', cidr4, 'dev', ifname]);
    const cidr6 = v6?.[i];
    if (cidr6) await ns.ip(['-6', 'addr', 'add', cidr6, 'dev', ifname, 'nodad']);
    await ns.ip(['link', 'set', ifname, 'up']);
  }
  // The carrier comes up asynchronously once both ends are up; wait, so callers see a
  // settled link (and snapshots of it do not race the NO-CARRIER → UP change).
  for (const [ns, ifname] of ends) {
    await waitFor(
      async () => {
        const [link] = JSON.parse((await ns.ip(['-j', 'link', 'show', ifname])).stdout) as {
          operstate?: string;
        }[];
        return link?.operstate === 'UP';
      },
      { timeoutMs: 5_000, intervalMs: 20, what: `carrier on ${ifname}` },
    );
  }
  const end = (ns: Namespace, ifname: string, i: 0 | 1): VethEnd => {
    const c4 = v4?.[i] ?? null;
    const c6 = v6?.[i] ?? null;
    return {
      ns,
      ifname,
      v4: c4 === null ? null : addressOf(c4),
      v4Cidr: c4,
      v6: c6 === null ? null : addressOf(c6),
      v6Cidr: c6,
    };
  };
  return { a: end(a, ifA, 0), b: end(b, ifB, 1) };
}
