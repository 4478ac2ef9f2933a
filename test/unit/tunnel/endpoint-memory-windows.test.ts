// The endpoint memory in its Windows form (app/tunnel/endpoint-memory.ts with 'win32'):
// beside the WFP journals in a directory the installer's ACL protects, so no POSIX owner or
// mode checks, but still only a small regular file is read. Platform-neutral: it runs here
// and under wine, where it is the code Windows runs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileEndpointMemory, MAX_REMEMBERED } from '../../../app/tunnel/endpoint-memory.js';

function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipstream-epmem-'));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('remembers and recalls addresses, creating the state directory, newest kept', async () => {
  await withDir(async (root) => {
    const dir = path.join(root, 'state');
    const memory = fileEndpointMemory(dir, 'win32');
    assert.equal(await memory.recall('vpn.example.com'), null);
    await memory.remember('vpn.example.com', '198.51.100.7');
    await memory.remember('vpn.example.com', '198.51.100.8');
    await memory.remember('other.example.net', '2001:db8::5');
    assert.equal(await memory.recall('vpn.example.com'), '198.51.100.8');
    assert.equal(await memory.recall('other.example.net'), '2001:db8::5');
    await memory.remember('bad.example', 'not-an-address');
    assert.equal(await memory.recall('bad.example'), null);
    for (let i = 0; i < MAX_REMEMBERED + 5; i++) await memory.remember(`h${i}.example`, '10.0.0.1');
    const kept = (
      JSON.parse(readFileSync(path.join(dir, 'endpoints.json'), 'utf8')) as {
        hosts: unknown[];
      }
    ).hosts;
    assert.equal(kept.length, MAX_REMEMBERED);
    assert.equal(await memory.recall('vpn.example.com'), null, 'the oldest went first');
  });
});

test('reads only a small regular file that parses; anything else is nothing remembered', async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'endpoints.json');
    const memory = fileEndpointMemory(dir, 'win32');
    writeFileSync(file, 'not json');
    assert.equal(await memory.recall('vpn.example.com'), null);
    writeFileSync(file, JSON.stringify({ hosts: [['vpn.example.com', '198.51.100.7']] }));
    assert.equal(await memory.recall('vpn.example.com'), '198.51.100.7');
    writeFileSync(
      file,
      JSON.stringify({ hosts: [['vpn.example.com', '198.51.100.7']], pad: 'x'.repeat(70_000) }),
    );
    assert.equal(await memory.recall('vpn.example.com'), null, 'over 64 KiB');
    rmSync(file);
    mkdirSync(file);
    assert.equal(await memory.recall('vpn.example.com'), null, 'a directory');
    if (process.platform === 'linux') {
      // A link is not followed (made here on Linux; wine's node.exe cannot make one).
      rmSync(file, { recursive: true });
      const real = path.join(dir, 'real.json');
      writeFileSync(real, JSON.stringify({ hosts: [['vpn.example.com', '198.51.100.7']] }));
      symlinkSync(real, file);
      assert.equal(await memory.recall('vpn.example.com'), null, 'a symbolic link');
    }
  });
});
