// The PNG encoder and the committed icons: valid PNGs (signature, CRCs, size)
// whose pixels are exactly what the generator draws now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { iconFiles, iconSourceDir } from '../../../app/packaging/icons/generate.js';
import { crc32, encodePng } from '../../../app/packaging/icons/png.js';
import { root } from './tools.js';

/** Checks the container and returns the image's size and raw RGBA pixels. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  const types: string[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(
      png.readUInt32BE(at + 8 + length),
      zlibCrc32(png.subarray(at + 4, at + 8 + length)),
      `${type} CRC`,
    );
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.deepEqual([...data.subarray(8)], [8, 6, 0, 0, 0], '8-bit RGBA, no interlace');
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  assert.deepEqual(types, ['IHDR', 'IDAT', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, (stride + 1) * height);
  const rgba = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, 'filter None');
    raw.copy(rgba, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
  }
  return { width, height, rgba };
}

test('crc32 matches zlib’s', () => {
  for (const text of ['', 'IEND', 'The quick brown fox']) {
    assert.equal(crc32(Buffer.from(text)), zlibCrc32(Buffer.from(text)));
  }
});

test('encodePng round-trips pixels and refuses a wrong-sized buffer', () => {
  const rgba = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) & 0xff);
  const decoded = decodePng(encodePng(3, 2, rgba));
  assert.equal(decoded.width, 3);
  assert.equal(decoded.height, 2);
  assert.deepEqual([...decoded.rgba], [...rgba]);
  assert.throws(() => encodePng(3, 3, rgba));
});

test('the committed icons are up to date (node dist/app/packaging/icons/generate.js)', () => {
  assert.equal(iconSourceDir(), path.join(root, 'app', 'packaging', 'icons'));
  const files = iconFiles();
  assert.equal(files.filter((f) => f.file.startsWith('tray/')).length, 12);
  for (const icon of files) {
    const decoded = decodePng(readFileSync(path.join(iconSourceDir(), icon.file)));
    assert.equal(decoded.width, icon.size, icon.file);
    assert.equal(decoded.height, icon.size, icon.file);
    assert.ok(decoded.rgba.equals(icon.pixels()), `${icon.file} is stale`);
  }
});

test('tray icons differ per state, with transparent corners and an opaque centre', () => {
  const centre = (file: string) => {
    const { rgba, width } = decodePng(readFileSync(path.join(iconSourceDir(), file)));
    const at = (x: number, y: number) => [
      ...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4),
    ];
    assert.equal(at(0, 0)[3], 0, `${file}: transparent corner`);
    return at(Math.floor(width / 2), Math.floor(width * 0.8));
  };
  const colours = ['disconnected', 'connecting', 'connected', 'error'].map((s) =>
    centre(`tray/${s}@2x.png`),
  );
  assert.equal(new Set(colours.map((c) => c.join())).size, 4);
  for (const c of colours) assert.equal(c[3], 255);
});
