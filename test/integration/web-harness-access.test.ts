// `npm run web` runs as root (its helper configures tunnels) and listens on loopback. Any
// local process can connect there and forge every header, so the IPC upgrade requires the
// per-run access token the harness printed to whoever started it. Here a real second user
// ("nobody"), with forged Origin and Host, tries without a token and with guessed ones and
// gets nothing; the token is never written to the harness's logs.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  cleanupAll,
  createNamespace,
  ensureTools,
  requireCommands,
  requireRoot,
  startWebApp,
  type Namespace,
  type WebApp,
} from '../harness/index.js';
import { bundleForOtherUser } from '../harness/as-user.js';

const FORGE = fileURLToPath(new URL('./fixtures/ws-forge.js', import.meta.url));
const NOBODY = '65534';

describe('the web harness answers only whoever holds its token', () => {
  let ns: Namespace;
  let web: WebApp;
  let port: string;
  let token: string;
  let forge: string;

  before(async () => {
    requireRoot();
    await ensureTools();
    requireCommands('setpriv');
    ns = await createNamespace('web');
    await ns.ip(['link', 'set', 'lo', 'up']);
    web = await startWebApp(ns);
    const url = new URL(web.url);
    port = url.port;
    token = url.searchParams.get('token') ?? '';
    forge = await bundleForOtherUser(FORGE);
  });
  after(async () => {
    await web?.stop();
    await cleanupAll();
  });

  /** The forging client, run as nobody inside the namespace. */
  async function attempt(as: 'nobody' | 'root', tokenToSend: string): Promise<number> {
    const drop =
      as === 'nobody'
        ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups']
        : [];
    const [cmd, ...rest] = [...drop, process.execPath, forge, port, tokenToSend];
    const r = await ns.run(cmd!, rest, { timeoutMs: 15_000 });
    assert.equal(r.code, 0, `client: ${r.stderr.slice(0, 300)}`);
    return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { status: number }).status;
  }

  test('the ready line carries a 256-bit token in the address, and a line for people', () => {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(web.proc.stdout(), /^Slipstream is at http:\/\/127\.0\.0\.1:\d+\/\?token=/m);
  });

  test('another user with forged Origin and Host: no token, guessed tokens, all refused', async () => {
    assert.equal(await attempt('nobody', ''), 401);
    assert.equal(await attempt('nobody', 'x'.repeat(43)), 401);
    assert.equal(await attempt('nobody', token.slice(0, 42)), 401);
    // The same client with the real token is let in: the refusals above are the token's doing.
    assert.equal(await attempt('nobody', token), 101);
  });

  test('the token is in no log file and on no log line', async () => {
    const files = await readdir(web.logDir).catch(() => [] as string[]);
    for (const f of files) {
      const text = await readFile(path.join(web.logDir, f), 'utf8').catch(() => '');
      assert.ok(!text.includes(token), `${f} holds the token`);
    }
    assert.ok(!web.proc.stderr().includes(token), 'stderr holds the token');
  });
});
