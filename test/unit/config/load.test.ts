// test-platform: linux-only: checks POSIX file modes and ownership of config files
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../app/config/errors.js';
import { loadWgQuickFile, MAX_CONFIG_BYTES } from '../../../app/config/load.js';
import { runAsUser } from '../../harness/as-user.js';

const LOADER = fileURLToPath(new URL('./fixtures/load-as-user.js', import.meta.url));

let dir = '';
const privateKey = Buffer.from(randomBytes(32)).toString('base64');
const publicKey = Buffer.from(randomBytes(32)).toString('base64');
const valid = [
  '[Interface]',
  `PrivateKey = ${privateKey}`,
  'Address = 10.0.0.2/24',
  '[Peer]',
  `PublicKey = ${publicKey}`,
  'AllowedIPs = 0.0.0.0/0',
  '',
].join('\n');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-config-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function place(name: string, content: string | Uint8Array, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

async function expectLoadError(path: string, problem: RegExp): Promise<void> {
  await assert.rejects(loadWgQuickFile(path), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.file, path);
    assert.equal(err.line, 0);
    assert.match(err.problem, problem);
    assert.equal(err.message, `${path}: ${err.problem}`);
    assert.ok(!err.message.includes(privateKey));
    return true;
  });
}

test('a valid file loads, with the path as the file name in the result', async () => {
  const path = await place('wg0.conf', valid);
  const config = await loadWgQuickFile(path);
  assert.equal(config.file, path);
  assert.equal(Buffer.from(config.interface.privateKey).toString('base64'), privateKey);
  assert.equal(config.peers.length, 1);
  assert.deepEqual(config.warnings, []);
});

test('a UTF-8 byte order mark and CRLF line ends (Windows editors) are accepted', async () => {
  const path = await place('windows.conf', '\uFEFF' + valid.replace(/\n/g, '\r\n'));
  const config = await loadWgQuickFile(path);
  assert.deepEqual(
    config.interface.addresses.map((a) => a.text),
    ['10.0.0.2/24'],
  );
});

test('parse errors carry the path and line', async () => {
  const path = await place('bad.conf', valid.replace('Address', 'Adress'));
  await assert.rejects(loadWgQuickFile(path), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(
      err.message,
      `${path}:3: unknown key "Adress" in [Interface] (did you mean Address?)`,
    );
    return true;
  });
});

test('missing file, directory, empty file', async () => {
  await expectLoadError(join(dir, 'nope.conf'), /^cannot read: no such file$/);
  await expectLoadError(join(dir, 'nope', 'wg0.conf'), /^cannot read: no such file$/);
  const sub = join(dir, 'a-directory');
  await mkdir(sub);
  await expectLoadError(sub, /^cannot read: is a directory$/);
  await expectLoadError(await place('empty.conf', ''), /^no \[Interface\] section$/);
});

test('binary content is rejected before parsing', async () => {
  await expectLoadError(
    await place('nul.conf', valid + '\0\0'),
    /^not a text file \(contains NUL bytes\)$/,
  );
  const invalidUtf8 = Buffer.concat([Buffer.from(valid), Buffer.from([0xc3, 0x28, 0xff])]);
  await expectLoadError(
    await place('latin.conf', invalidUtf8),
    /^not a text file \(invalid UTF-8\)$/,
  );
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]);
  await expectLoadError(await place('utf16.conf', utf16), /UTF-16; save it as UTF-8/);
  await expectLoadError(await place('random.bin', randomBytes(4096)), /^not a text file/);
});

test('files over the size cap are rejected', async () => {
  const padding = `# ${'x'.repeat(1000)}\n`.repeat(Math.ceil(MAX_CONFIG_BYTES / 1003) + 1);
  await expectLoadError(
    await place('huge.conf', valid + padding),
    /^file too large \(more than 1 MiB\)$/,
  );
});

test('a line over 4096 characters is reported with its line number', async () => {
  const path = await place('long.conf', valid + `# ${'y'.repeat(5000)}\n`);
  await assert.rejects(loadWgQuickFile(path), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.line, 7);
    assert.match(err.problem, /^line too long/);
    return true;
  });
});

test('an unreadable file is a ConfigError', async () => {
  const path = await place('secret.conf', valid, 0o000);
  if (process.getuid?.() !== 0) {
    await expectLoadError(path, /^cannot read: permission denied$/);
    return;
  }
  // Root reads everything, so the check runs in a child process as "nobody", from a
  // world-readable bundle (the checkout itself may be private).
  await chmod(dir, 0o711);
  const child = await runAsUser(65534, 65534, LOADER, [path]);
  assert.equal(child.stderr, '');
  assert.equal(child.stdout.trim(), `ConfigError: ${path}: cannot read: permission denied`);
});

test('a world-accessible file loads with a warning, as wg-quick warns', async () => {
  const config = await loadWgQuickFile(await place('open.conf', valid, 0o644));
  assert.deepEqual(
    config.warnings.map((w) => [w.line, w.message]),
    [[0, 'file is accessible by all users, yet holds a private key (chmod 600 fixes this)']],
  );
});
