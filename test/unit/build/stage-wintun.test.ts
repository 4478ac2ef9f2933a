// The Windows build's Wintun step: the release zip given at build time is
// checked against its pinned SHA-256, both DLLs and the licence are staged
// byte for byte, and a missing or wrong zip stops the build with a clear
// message (nothing is downloaded).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import {
  readZipEntries,
  stageWintun,
  WINTUN_ZIP_SHA256,
} from '../../../app/packaging/windows/stage-wintun.js';

function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A zip with the given entries, deflated (or stored), as zip tools write it. */
function makeZip(files: Record<string, Buffer>, store = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const body = store ? data : deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(store ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(store ? 0 : 8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const amd64 = Buffer.from('MZ fake amd64 wintun '.repeat(500));
const arm64 = Buffer.from('MZ fake arm64 wintun '.repeat(400));
const license = Buffer.from('Prebuilt Binaries License\n(test text)\n');
const release = {
  'wintun/LICENSE.txt': license,
  'wintun/README.md': Buffer.from('readme'),
  'wintun/bin/amd64/wintun.dll': amd64,
  'wintun/bin/arm64/wintun.dll': arm64,
  'wintun/bin/x86/wintun.dll': Buffer.from('x86'),
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipstream-wintun-'));
  try {
    await body(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('the pin is the official wintun-0.14.1.zip hash', () => {
  assert.equal(
    WINTUN_ZIP_SHA256,
    '07c256185d6ee3652e09fa55c0b673e2624b565e02c4b9091c79ca7d2f24ef51',
  );
});

test('a zip matching the pin: both DLLs and the licence are staged byte for byte per arch', async () => {
  await withDir(async (dir) => {
    const zip = makeZip(release);
    const zipPath = path.join(dir, 'wintun.zip');
    await fs.writeFile(zipPath, zip);
    const out = path.join(dir, 'build', 'wintun');
    const staged = await stageWintun({ zipPath, outDir: out, sha256: sha(zip) });
    assert.deepEqual(
      staged.map((s) => [s.arch, s.sha256]),
      [
        ['x64', sha(amd64)],
        ['arm64', sha(arm64)],
      ],
    );
    assert.deepEqual(await fs.readFile(path.join(out, 'x64', 'wintun.dll')), amd64);
    assert.deepEqual(await fs.readFile(path.join(out, 'arm64', 'wintun.dll')), arm64);
    assert.deepEqual(await fs.readFile(path.join(out, 'x64', 'LICENSE.txt')), license);
    assert.deepEqual(await fs.readFile(path.join(out, 'arm64', 'LICENSE.txt')), license);
    assert.deepEqual((await fs.readdir(out)).sort(), ['arm64', 'x64']);
  });
});

test('no zip given: the build stops and says what is missing and where to get it', async () => {
  await assert.rejects(
    stageWintun({ zipPath: undefined, outDir: '/nonexistent' }),
    (err: Error) => {
      assert.match(err.message, /wintun\.dll is missing: set SLIPSTREAM_WINTUN_ZIP/);
      assert.match(err.message, /wintun-0\.14\.1\.zip/);
      assert.match(err.message, new RegExp(WINTUN_ZIP_SHA256));
      return true;
    },
  );
});

test('a zip that is not the pinned release is refused and nothing is staged', async () => {
  await withDir(async (dir) => {
    const zipPath = path.join(dir, 'wintun.zip');
    await fs.writeFile(zipPath, makeZip(release));
    const out = path.join(dir, 'out');
    await assert.rejects(
      stageWintun({ zipPath, outDir: out }),
      /is not wintun-0\.14\.1\.zip: SHA-256 [0-9a-f]{64}, expected 07c2/,
    );
    await assert.rejects(fs.access(out), { code: 'ENOENT' });
    await assert.rejects(
      stageWintun({ zipPath: path.join(dir, 'nope.zip'), outDir: out }),
      /cannot read SLIPSTREAM_WINTUN_ZIP=.*ENOENT/,
    );
  });
});

test('a pinned zip without the arm64 DLL is refused by name', async () => {
  await withDir(async (dir) => {
    const { 'wintun/bin/arm64/wintun.dll': _dropped, ...partial } = release;
    const zip = makeZip(partial);
    const zipPath = path.join(dir, 'wintun.zip');
    await fs.writeFile(zipPath, zip);
    await assert.rejects(
      stageWintun({ zipPath, outDir: path.join(dir, 'out'), sha256: sha(zip) }),
      /the Wintun zip lacks wintun\/bin\/arm64\/wintun\.dll/,
    );
  });
});

test('zip reader: stored and deflated entries, damaged input refused', () => {
  const files = { 'a.txt': Buffer.from('alpha'), 'b/c.bin': Buffer.alloc(5000, 7) };
  for (const store of [false, true]) {
    const got = readZipEntries(makeZip(files, store), ['a.txt', 'b/c.bin', 'missing']);
    assert.deepEqual(got.get('a.txt'), files['a.txt']);
    assert.deepEqual(got.get('b/c.bin'), files['b/c.bin']);
    assert.equal(got.has('missing'), false);
  }
  assert.throws(
    () => readZipEntries(Buffer.from('not a zip at all, really not'), ['a']),
    /not a zip file/,
  );
  const broken = makeZip(files);
  broken.writeUInt32LE(0, broken.length - 22 - 46 - 5 - 46 - 7); // first central header
  assert.throws(() => readZipEntries(broken, ['a.txt']), /damaged zip/);
});
