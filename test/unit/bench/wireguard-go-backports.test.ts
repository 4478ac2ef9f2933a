// test-platform: linux-only: the bench fetches a Debian package into a root-owned POSIX 0700 cache
// The fetcher's local decisions (no network here): the override, the cache hit, and the
// cache directory's ownership and mode checks.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../../harness/tempfiles.js';
import { ensurePrivateDir, wireguardGo2023 } from '../../bench/tunnel/wireguard-go-backports.js';

test('BENCH_WIREGUARD_GO_2023 names the binary, and must be an executable file', async () => {
  const tmp = makeTempDir('ss-bench-wg-');
  try {
    const bin = path.join(tmp.path, 'wg');
    writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    const got = await wireguardGo2023({ BENCH_WIREGUARD_GO_2023: bin });
    assert.equal(got.path, bin);
    assert.match(got.version, /^BENCH_WIREGUARD_GO_2023=/);
    await assert.rejects(
      wireguardGo2023({ BENCH_WIREGUARD_GO_2023: path.join(tmp.path, 'missing') }),
      /BENCH_WIREGUARD_GO_2023 .*missing does not exist/,
    );
    writeFileSync(path.join(tmp.path, 'plain'), 'x', { mode: 0o644 });
    await assert.rejects(
      wireguardGo2023({ BENCH_WIREGUARD_GO_2023: path.join(tmp.path, 'plain') }),
      /is not an executable file/,
    );
  } finally {
    tmp.remove();
  }
});

test('a cached 0.0.20231211 build is used without fetching; other versions are not', async () => {
  const tmp = makeTempDir('ss-bench-wg-');
  try {
    const cache = path.join(tmp.path, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    for (const v of ['0.0.20220316-1+b4', '0.0.20231211-1~bpo12+1']) {
      mkdirSync(path.join(cache, `wireguard-go-${v}`));
      writeFileSync(path.join(cache, `wireguard-go-${v}`, 'wireguard-go'), '', { mode: 0o755 });
    }
    const got = await wireguardGo2023({ BENCH_CACHE_DIR: cache });
    assert.equal(got.version, '0.0.20231211-1~bpo12+1');
    assert.equal(got.path, path.join(cache, 'wireguard-go-0.0.20231211-1~bpo12+1', 'wireguard-go'));
  } finally {
    tmp.remove();
  }
});

test('the cache directory is created 0700 and refused when others may write or it is a link', () => {
  const tmp = makeTempDir('ss-bench-wg-');
  try {
    const fresh = path.join(tmp.path, 'a', 'cache');
    ensurePrivateDir(fresh);
    assert.equal(statSync(fresh).mode & 0o7777, 0o700);
    const open = path.join(tmp.path, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    assert.throws(() => ensurePrivateDir(open), /must be mode 0700 \(it is 755\)/);
    const link = path.join(tmp.path, 'link');
    symlinkSync(fresh, link);
    assert.throws(() => ensurePrivateDir(link), /is not a directory/);
  } finally {
    tmp.remove();
  }
});
