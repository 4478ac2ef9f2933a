// test-platform: linux-only: POSIX owner and mode checks of the endpoint memory (its Windows form: endpoint-memory-windows.test.ts)
// The last address of each Endpoint host name: what start-up falls back to when a kill
// switch still blocking from before keeps DNS from answering (endpoint-memory.ts), and
// what the file must be before root reads it.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseWgQuick } from '../../../app/config/parse.js';
import { ConfigError } from '../../../app/config/errors.js';
import { createLogger } from '../../../app/log/logger.js';
import { fileEndpointMemory, MAX_REMEMBERED } from '../../../app/tunnel/endpoint-memory.js';
import { resolveEndpoints } from '../../../app/tunnel/session.js';

const CONFIG = parseWgQuick(
  [
    '[Interface]',
    'PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
    'Address = 10.0.0.2/32',
    '[Peer]',
    'PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
    'Endpoint = vpn.example.test:51820',
    'AllowedIPs = 0.0.0.0/0',
  ].join('\n'),
  'test.conf',
);

function scratch(): { dir: string; done: () => void } {
  const base = mkdtempSync(path.join(tmpdir(), 'ss-epmem-'));
  // Like /run/slipstream: ours and 0755 (ensureOwnedDir refuses anything looser).
  const dir = path.join(base, 'run');
  return { dir, done: () => rmSync(base, { recursive: true, force: true }) };
}

function recorder() {
  const lines: string[] = [];
  const log = createLogger({
    level: 'debug',
    target: 't',
    sinks: [{ write: (line: string) => void lines.push(line) }],
  });
  return { log, lines };
}

const refused = async () => {
  throw Object.assign(new Error('blocked'), { code: 'ECONNREFUSED' });
};

test('a name that resolved once is used at its last address when it cannot be resolved now', async () => {
  const { dir, done } = scratch();
  try {
    const memory = fileEndpointMemory(dir);
    const { log, lines } = recorder();
    const first = await resolveEndpoints(CONFIG, log, memory, async () => ({
      address: '203.0.113.7',
    }));
    assert.deepEqual(first, [{ host: '203.0.113.7', port: 51820 }]);
    // The kill switch of an earlier run now rejects the lookup.
    const again = await resolveEndpoints(CONFIG, log, memory, refused);
    assert.deepEqual(again, [{ host: '203.0.113.7', port: 51820 }]);
    const warning = lines.find((l) => /"level":"warn"/.test(l));
    assert.ok(warning, 'the fallback is logged');
    assert.match(warning, /vpn\.example\.test.*203\.0\.113\.7.*ECONNREFUSED/);
  } finally {
    done();
  }
});

test('a name never resolved before is still an error naming the host', async () => {
  const { dir, done } = scratch();
  try {
    await assert.rejects(
      resolveEndpoints(CONFIG, recorder().log, fileEndpointMemory(dir), refused),
      (e: unknown) =>
        e instanceof ConfigError && /vpn\.example\.test.*ECONNREFUSED/.test(e.message),
    );
    await assert.rejects(resolveEndpoints(CONFIG, recorder().log, null, refused), ConfigError);
  } finally {
    done();
  }
});

test('the file is private, bounded, and read only when it is a plain file nobody else can write', async () => {
  const { dir, done } = scratch();
  try {
    const memory = fileEndpointMemory(dir);
    for (let i = 0; i < MAX_REMEMBERED + 10; i++)
      await memory.remember(`h${i}.test`, `192.0.2.${i % 250}`);
    const file = path.join(dir, 'endpoints.json');
    const kept = (JSON.parse(readFileSync(file, 'utf8')) as { hosts: unknown[] }).hosts;
    assert.equal(kept.length, MAX_REMEMBERED, 'the oldest names go first');
    assert.equal(await memory.recall('h0.test'), null);
    assert.equal(
      await memory.recall(`h${MAX_REMEMBERED + 9}.test`),
      `192.0.2.${(MAX_REMEMBERED + 9) % 250}`,
    );
    await memory.remember('bad.test', 'not-an-address');
    assert.equal(await memory.recall('bad.test'), null, 'only IP addresses are kept');

    // Writable by others: ignored.
    chmodSync(file, 0o666);
    assert.equal(await memory.recall(`h${MAX_REMEMBERED + 9}.test`), null);
    // A symlink in its place: not followed.
    rmSync(file);
    const elsewhere = path.join(dir, '..', 'planted.json');
    writeFileSync(elsewhere, JSON.stringify({ hosts: [['vpn.example.test', '198.51.100.9']] }));
    symlinkSync(elsewhere, file);
    assert.equal(await memory.recall('vpn.example.test'), null);
    // Garbage: nothing remembered, nothing thrown.
    rmSync(file);
    writeFileSync(file, '{"hosts": [[1,2],["x"],"nope"]', { mode: 0o600 });
    assert.equal(await memory.recall('x'), null);
  } finally {
    done();
  }
});
