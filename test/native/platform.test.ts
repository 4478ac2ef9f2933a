/**
 * The platform module against the real kernel: each test gets a fresh
 * network namespace (deleted afterwards, also on failure) and runs
 * fixtures/platform-fixture.js inside it. This process stays in the host
 * namespace and only reads what the fixture reports; the host's own
 * resolv.conf is checked to be untouched at the end.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvConfHeader } from '../../app/platform/linux/dns.js';

const FIXTURE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'platform-fixture.js',
);
const TUN = 'sstest0';

// No trailing newline, a tab and non-ASCII on purpose: the restore must be byte-exact.
const ORIGINAL_RESOLV = Buffer.from('nameserver 192.0.2.53\noptions ndots:2\t# résolveur', 'utf8');
const OURS_RESOLV =
  `${resolvConfHeader(TUN)}\n` + 'nameserver 10.66.0.1\nnameserver fd66::1\nsearch corp.example\n';

const hostResolv = {
  bytes: readFileSync('/etc/resolv.conf'),
  mtimeMs: statSync('/etc/resolv.conf').mtimeMs,
};
after(() => {
  assert.deepEqual(
    readFileSync('/etc/resolv.conf'),
    hostResolv.bytes,
    "host's resolv.conf changed",
  );
  assert.equal(
    statSync('/etc/resolv.conf').mtimeMs,
    hostResolv.mtimeMs,
    "host's resolv.conf was written",
  );
});

function run(file: string, args: string[], timeout = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

interface Env {
  ns: string;
  stateDir: string;
}

/** A fresh namespace with its own resolv.conf (bind-mounted by `ip netns exec`). */
async function withNamespace(body: (env: Env) => Promise<void>): Promise<void> {
  const ns = `sstest-plat-${randomBytes(4).toString('hex')}`;
  const etcNetns = '/etc/netns';
  const createdEtcNetns = !existsSync(etcNetns);
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sstest-plat-state-'));
  try {
    await run('ip', ['netns', 'add', ns]);
    await fs.mkdir(path.join(etcNetns, ns), { recursive: true });
    await fs.writeFile(path.join(etcNetns, ns, 'resolv.conf'), ORIGINAL_RESOLV);
    await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await body({ ns, stateDir });
  } finally {
    await run('ip', ['netns', 'del', ns]).catch(() => {});
    await fs.rm(path.join(etcNetns, ns), { recursive: true, force: true });
    if (createdEtcNetns) await fs.rmdir(etcNetns).catch(() => {});
    await fs.rm(stateDir, { recursive: true, force: true });
  }
}

function fixtureArgs(env: Env, mode: string): string[] {
  return ['netns', 'exec', env.ns, process.execPath, FIXTURE, mode, env.ns, env.stateDir];
}

async function fixture<T>(env: Env, mode: string): Promise<T> {
  const out = await run('ip', fixtureArgs(env, mode));
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

// ---- the subset of `ip -j` output the assertions look at ----

interface IpRoute {
  dst: string;
  dev?: string;
  table?: string;
  protocol?: string;
  type?: string;
}
interface IpRule {
  priority: number;
  table: string;
  not?: null;
  fwmark?: string;
  suppress_prefixlen?: number;
}
interface IpLink {
  ifname: string;
  mtu: number;
  flags: string[];
}
interface IpAddrs {
  ifname: string;
  addr_info: { local: string; prefixlen: number }[];
}
interface Snapshot {
  links: IpLink[];
  addrs: IpAddrs[];
  rules4: IpRule[];
  rules6: IpRule[];
  routes4: IpRoute[];
  routes6: IpRoute[];
  srcValidMark: string;
  resolvConf: string;
  stateFiles: string[];
  get: Record<string, { dev?: string; table?: string; error?: string }[] | { error: string }>;
}

function resolvText(s: Snapshot): Buffer {
  return Buffer.from(s.resolvConf, 'base64');
}

/** Routes the tunnel added (not the kernel's own routes for its addresses). */
function addedRoutes(routes: IpRoute[]): IpRoute[] {
  return routes.filter(
    (r) =>
      r.dev === TUN &&
      r.protocol !== 'kernel' &&
      !['local', 'multicast', 'broadcast', 'anycast'].includes(r.type ?? ''),
  );
}

function withoutTun(routes: IpRoute[]): IpRoute[] {
  return routes.filter((r) => r.dev !== TUN);
}

/** Which device a `route get` chose. */
function via(s: Snapshot, key: string): string {
  const got = s.get[key];
  if (!got) return 'missing';
  if (!Array.isArray(got)) return `error: ${got.error}`;
  return got[0]?.dev ?? 'none';
}

function hasPolicyRules(rules: IpRule[], table: number): boolean {
  const hex = `0x${table.toString(16)}`;
  return (
    rules.some((r) => r.not === null && r.fwmark === hex && r.table === String(table)) &&
    rules.some((r) => r.table === 'main' && r.suppress_prefixlen === 0)
  );
}

function assertNoTunnelRules(s: Snapshot): void {
  for (const rules of [s.rules4, s.rules6]) {
    assert.deepEqual(
      rules.filter((r) => r.fwmark !== undefined || r.suppress_prefixlen !== undefined),
      [],
    );
  }
}

test('full tunnel up and down: wg-quick routing, DNS and sysctl, then nothing left', async () => {
  await withNamespace(async (env) => {
    const r = await fixture<{
      before: Snapshot;
      up: Snapshot;
      down: Snapshot;
      closed: Snapshot;
      report: { undone: string[]; errors: string[]; notes: string[] };
      secondTeardownSame: boolean;
      socketMark: number;
      table: number;
      state: { pid: number; ifname: string; journal: { kind: string }[] };
    }>(env, 'updown');

    // Baseline of a fresh namespace.
    assert.equal(r.before.srcValidMark, '0');
    assertNoTunnelRules(r.before);
    assert.deepEqual(resolvText(r.before), ORIGINAL_RESOLV);

    // Up: the device.
    const link = r.up.links.find((l) => l.ifname === TUN);
    assert.ok(link, 'tunnel link missing');
    assert.equal(link.mtu, 1380);
    assert.ok(link.flags.includes('UP'));
    const addrs = r.up.addrs
      .find((a) => a.ifname === TUN)
      ?.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    assert.ok(addrs?.includes('10.66.0.2/32') && addrs.includes('fd66::2/128'), String(addrs));

    // Up: routes, rules and the socket mark of wg-quick's full-tunnel scheme.
    assert.equal(r.table, 51820);
    assert.equal(r.socketMark, 51820);
    assert.ok(hasPolicyRules(r.up.rules4, 51820), JSON.stringify(r.up.rules4));
    assert.ok(hasPolicyRules(r.up.rules6, 51820), JSON.stringify(r.up.rules6));
    const sortRoutes = (rs: IpRoute[]) =>
      rs.map((x) => `${x.dst} table ${x.table ?? 'main'}`).sort();
    assert.deepEqual(sortRoutes(addedRoutes(r.up.routes4)), [
      '10.8.0.0/16 table main',
      'default table 51820',
    ]);
    assert.deepEqual(sortRoutes(addedRoutes(r.up.routes6)), ['default table 51820']);
    assert.equal(r.up.srcValidMark, '1');

    // Up: what the kernel now does with packets. Unmarked traffic goes into
    // the tunnel; the tunnel's own marked packets and the LAN use the main table.
    assert.equal(via(r.up, 'internet4'), TUN);
    assert.equal(via(r.up, 'internet6'), TUN);
    assert.equal(via(r.up, 'peerNet4'), TUN);
    assert.equal(via(r.up, 'internet4Marked'), 'lan0');
    assert.equal(via(r.up, 'internet6Marked'), 'lan0');
    assert.equal(via(r.up, 'lan4'), 'lan0');
    assert.equal(via(r.before, 'internet4'), 'lan0');

    // Up: DNS through the namespace's resolv.conf, and the state file.
    assert.equal(resolvText(r.up).toString('utf8'), OURS_RESOLV);
    assert.equal(r.up.stateFiles.length, 1);
    assert.equal(r.state.ifname, TUN);
    assert.deepEqual(
      r.state.journal.map((e) => e.kind),
      ['dns', 'route', 'rule', 'rule', 'route', 'sysctl', 'rule', 'rule', 'route'],
    );

    // Down (device still open): everything the tunnel added is gone.
    assert.deepEqual(r.report.errors, []);
    assert.deepEqual(r.report.notes, []);
    assert.equal(r.report.undone.length, 9);
    assert.ok(r.secondTeardownSame);
    assert.deepEqual(r.down.rules4, r.before.rules4);
    assert.deepEqual(r.down.rules6, r.before.rules6);
    assert.deepEqual(addedRoutes(r.down.routes4), []);
    assert.deepEqual(addedRoutes(r.down.routes6), []);
    assert.deepEqual(withoutTun(r.down.routes4), withoutTun(r.before.routes4));
    assert.deepEqual(withoutTun(r.down.routes6), withoutTun(r.before.routes6));
    assert.equal(r.down.srcValidMark, '0');
    assert.deepEqual(resolvText(r.down), ORIGINAL_RESOLV);
    assert.deepEqual(r.down.stateFiles, []);
    assert.equal(via(r.down, 'internet4'), 'lan0');

    // Closed: the namespace is exactly as before.
    assert.equal(
      r.closed.links.some((l) => l.ifname === TUN),
      false,
    );
    assert.deepEqual(r.closed.addrs, r.before.addrs);
    assert.deepEqual(r.closed.routes4, r.before.routes4);
    assert.deepEqual(r.closed.routes6, r.before.routes6);
  });
  // The fixture wrote the namespace's resolv.conf, which is this file on the host.
});

test('a failing step rolls back everything done before it', async () => {
  await withNamespace(async (env) => {
    const r = await fixture<{ before: Snapshot; after: Snapshot; error: string | null }>(
      env,
      'rollback',
    );
    assert.equal(r.error, 'adding route ::/0 table 51820: File exists');
    assert.deepEqual(r.after.rules4, r.before.rules4);
    assert.deepEqual(r.after.rules6, r.before.rules6);
    assert.deepEqual(addedRoutes(r.after.routes4), []);
    assert.deepEqual(addedRoutes(r.after.routes6), []);
    // The conflicting route belongs to someone else and stays.
    assert.deepEqual(withoutTun(r.after.routes6), withoutTun(r.before.routes6));
    assert.ok(
      r.after.routes6.some((x) => x.dst === 'default' && x.table === '51820' && x.dev === 'lan0'),
    );
    assert.equal(r.after.srcValidMark, '0');
    assert.deepEqual(resolvText(r.after), ORIGINAL_RESOLV);
    assert.deepEqual(r.after.stateFiles, []);
  });
});

test('after a SIGKILL, the next start removes the leftover rules and restores DNS and sysctl', async () => {
  await withNamespace(async (env) => {
    const child = spawn('ip', fixtureArgs(env, 'crash'), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      // `ip netns exec` execs the fixture, so the child is the fixture itself.
      let stdout = '';
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no output from the fixture: ${stderr}`)),
          20_000,
        );
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const nl = stdout.indexOf('\n');
          if (nl !== -1) {
            clearTimeout(timer);
            resolve(stdout.slice(0, nl));
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`fixture exited (${code}) early: ${stderr}`));
        });
      });
      const crashed = JSON.parse(line) as { pid: number; up: Snapshot; socketMark: number };
      assert.equal(crashed.pid, child.pid);
      assert.ok(hasPolicyRules(crashed.up.rules4, 51820));
      assert.equal(crashed.up.srcValidMark, '1');

      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;

      const r = await fixture<{
        before: Snapshot;
        after: Snapshot;
        cleaned: {
          ifname: string;
          pid: number;
          undone: string[];
          errors: string[];
          linkDeleted: boolean;
        }[];
        second: unknown[];
      }>(env, 'recover');

      // What the crash left: rules, sysctl, resolv.conf and the state file;
      // the device itself died with the process.
      assert.ok(hasPolicyRules(r.before.rules4, 51820));
      assert.ok(hasPolicyRules(r.before.rules6, 51820));
      assert.equal(r.before.srcValidMark, '1');
      assert.equal(resolvText(r.before).toString('utf8'), OURS_RESOLV);
      assert.equal(r.before.stateFiles.length, 1);
      assert.equal(
        r.before.links.some((l) => l.ifname === TUN),
        false,
      );

      assert.equal(r.cleaned.length, 1);
      const [cleaned] = r.cleaned;
      assert.equal(cleaned?.ifname, TUN);
      assert.equal(cleaned?.pid, crashed.pid);
      assert.deepEqual(cleaned?.errors, []);
      assert.equal(cleaned?.linkDeleted, false);
      assert.equal(cleaned?.undone.length, 9);

      assertNoTunnelRules(r.after);
      assert.equal(r.after.srcValidMark, '0');
      assert.deepEqual(resolvText(r.after), ORIGINAL_RESOLV);
      assert.deepEqual(r.after.stateFiles, []);
      assert.deepEqual(r.second, []);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });
});

test('a teardown that keeps the kill switch leaves only the block, released for a Disconnect to lift', async () => {
  await withNamespace(async (env) => {
    const r = await fixture<{
      up: { table: boolean; snapshot: Snapshot };
      kept: {
        table: boolean;
        snapshot: Snapshot;
        state: { pid: number; journal: { kind: string }[] };
      };
      afterStartRecovery: boolean;
      lifted: { undone: string[] }[];
      afterDisconnect: { table: boolean; stateFileLeft: boolean };
    }>(env, 'keep');
    assert.ok(r.up.table, 'the kill switch is on while up');
    assert.ok(hasPolicyRules(r.up.snapshot.rules4, 51820));
    // Kept: the block and its journal entry, nothing else of the tunnel.
    assert.ok(r.kept.table, 'the block outlives the teardown');
    assert.equal(hasPolicyRules(r.kept.snapshot.rules4, 51820), false, 'routing rules removed');
    assert.deepEqual(
      r.kept.state.journal.map((e) => e.kind),
      ['kill-switch'],
    );
    assert.equal(r.kept.state.pid, 0, 'owned by no process');
    assert.ok(r.afterStartRecovery, "a start's recovery keeps it for its own to replace");
    assert.ok(r.lifted.length > 0 && r.lifted[0]!.undone.length > 0, JSON.stringify(r.lifted));
    assert.deepEqual(r.afterDisconnect, { table: false, stateFileLeft: false });
  });
});
