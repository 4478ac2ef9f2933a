// Bad input to the CLI: one short line naming the file, line and problem, a non-zero exit,
// no stack trace, and nothing configured in the namespace it ran in.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createNamespace,
  ensureTools,
  genKeyPair,
  makeTempDir,
  requireRoot,
  type Namespace,
} from '../harness/index.js';
import {
  assertSameNetwork,
  CLI,
  logLines,
  networkSnapshot,
  startSlipstream,
} from './slipstream.js';

describe('slipstream up refuses bad input cleanly', () => {
  let ns: Namespace;
  let dir: string;
  let priv: string;
  let pub: string;

  before(async () => {
    requireRoot();
    await ensureTools();
    ns = await createNamespace('bad');
    dir = makeTempDir('ss-badconf-').path;
    ({ privateKey: priv } = await genKeyPair());
    // The peer is somebody else: a config naming its own key as a peer is refused.
    ({ publicKey: pub } = await genKeyPair());
  });
  after(async () => {
    await cleanupAll();
  });

  async function expectRefused(
    name: string,
    content: string | Buffer | null,
    expected: RegExp,
    args: string[] = [],
  ): Promise<void> {
    const file = path.join(dir, `${name}.conf`);
    if (content !== null) await writeFile(file, content, { mode: 0o600 });
    const before = await networkSnapshot(ns);
    const r = await ns.run(process.execPath, [CLI, 'up', '--config', file, ...args], {
      timeoutMs: 15_000,
    });
    assert.notEqual(r.code, 0, `${name}: exit status`);
    const lines = r.stderr.trim().split('\n');
    const last = lines[lines.length - 1] ?? '';
    assert.match(last, expected, `${name}: message`);
    assert.ok(!/\n\s+at /.test(r.stderr), `${name}: no stack trace`);
    assert.ok(!r.stderr.includes(priv), `${name}: private key not echoed`);
    assertSameNetwork(await networkSnapshot(ns), before, `${name}: nothing configured`);
  }

  const iface = () => `[Interface]\nPrivateKey = ${priv}\nAddress = 10.9.0.2/24\n`;
  const peer = (extra = '') =>
    `[Peer]\nPublicKey = ${pub}\nEndpoint = 10.99.0.1:51820\nAllowedIPs = 10.9.0.0/24\n${extra}`;

  test('missing file', async () => {
    await expectRefused('missing', null, /^slipstream: .*missing\.conf: cannot read/);
  });
  test('empty file', async () => {
    await expectRefused('empty', '', /^slipstream: .*empty\.conf.*no \[Interface\] section/);
  });
  test('binary file', async () => {
    await expectRefused('binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff]), /binary/);
  });
  test('huge line', async () => {
    await expectRefused('huge', iface() + '# ' + 'x'.repeat(100_000) + '\n', /:4: .*too long/);
  });
  test('bad CIDR in AllowedIPs', async () => {
    await expectRefused(
      'cidr',
      iface() + `[Peer]\nPublicKey = ${pub}\nAllowedIPs = 10.0.0.0/33\n`,
      /cidr\.conf:6: .*AllowedIPs/,
    );
  });
  test('bad port in Endpoint', async () => {
    await expectRefused(
      'port',
      iface() +
        `[Peer]\nPublicKey = ${pub}\nEndpoint = 10.99.0.1:70000\nAllowedIPs = 10.9.0.0/24\n`,
      /port\.conf:6: .*port/i,
    );
  });
  test('unknown section', async () => {
    await expectRefused('section', iface() + '[Peers]\n', /section\.conf:4: .*Peers/);
  });
  test('malformed private key', async () => {
    await expectRefused(
      'key',
      `[Interface]\nPrivateKey = notakey\nAddress = 10.9.0.2/24\n` + peer(),
      /key\.conf:2: .*PrivateKey/,
    );
  });
  test('missing private key', async () => {
    await expectRefused('nokey', `[Interface]\nAddress = 10.9.0.2/24\n` + peer(), /PrivateKey/);
  });
  test('an endpoint host that does not resolve', async () => {
    await expectRefused(
      'resolve',
      iface() +
        `[Peer]\nPublicKey = ${pub}\nEndpoint = no-such-host.invalid:51820\nAllowedIPs = 10.9.0.0/24\n`,
      /resolve\.conf:6: cannot resolve Endpoint host "no-such-host\.invalid"/,
    );
  });
  test("a peer that carries the interface's own public key", async () => {
    const self = await genKeyPair();
    await expectRefused(
      'self',
      `[Interface]\nPrivateKey = ${self.privateKey}\nAddress = 10.9.0.2/24\n` +
        `[Peer]\nPublicKey = ${self.publicKey}\nAllowedIPs = 10.9.0.0/24\n`,
      /own key/,
    );
  });
  test('an interface name that is taken', async () => {
    await ns.ip(['tuntap', 'add', 'taken0', 'mode', 'tun']);
    try {
      await expectRefused('taken', iface() + peer(), /interface/, ['--ifname', 'taken0']);
    } finally {
      await ns.ip(['link', 'del', 'taken0']);
    }
  });
  test('usage errors exit 2', async () => {
    const r = await ns.run(process.execPath, [CLI, 'up'], { timeoutMs: 10_000 });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'slipstream: up needs --config FILE or --portal URL\n');
  });
  test('wg-quick hooks are reported and never run', async () => {
    const marker = path.join(dir, 'hook-ran');
    const file = path.join(dir, 'hooks.conf');
    await writeFile(file, iface() + `PostUp = touch ${marker}\nTable = off\n` + peer(), {
      mode: 0o600,
    });
    const client = await startSlipstream(ns, file);
    assert.equal(await client.stop('SIGINT'), 0);
    const warnings = logLines(client.proc).filter((l) => l.level === 'warn');
    assert.ok(
      warnings.some((l) => /PostUp/.test(String(l.message))),
      'PostUp reported',
    );
    assert.ok(
      warnings.some((l) => /Table/.test(String(l.message))),
      'Table reported',
    );
    assert.equal(existsSync(marker), false, 'PostUp never executed');
  });
});
