// The real helper service (app/helper/service-main.ts) under wine's Service Control
// Manager, registered as installer.nsh registers it: a Node runtime plus the script as
// binPath (through fixtures/service-main-fixture.ts, which points it at the test addon),
// and ELECTRON_RUN_AS_NODE=1 as the service key's Environment value (stored; wine's SCM
// does not pass it on, Windows' does). Checked: the first user's pipe answers a request, the front door identifies the caller by impersonation
// and names their pipe, the GUI's checks run against it, and stop takes it all down.
// Wine runs services as the one Unix user, not LocalSystem, and has no second user: that
// the pipes keep other users out, and a second user's own pipe, need a real Windows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FRONT_DOOR_PIPE } from '../../app/helper/served-users.js';
import { HELPER_SERVICE_NAME, pipePathForSid } from '../../app/helper/windows-pipe.js';
import { ensureWindowsHelper } from '../../app/main/helper-launcher.js';
import { connectHelper } from '../../app/main/helper-transport.js';
import { loadAddon } from '../../app/native/addon.js';
import { TUNNEL_RUNTIME_FLAGS } from '../../app/util/runtime-flags.js';

const addon = loadAddon();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const here = path.dirname(fileURLToPath(import.meta.url));

function system32(tool: string, args: string[]): string {
  try {
    return execFileSync(`C:\\windows\\system32\\${tool}`, args, { encoding: 'utf8' });
  } catch (err) {
    // sc and reg report through their exit code; the checks below decide.
    return String((err as { stdout?: unknown }).stdout ?? '');
  }
}

function oneLine(pipe: string, request: string | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(pipe, () => {
      if (request !== null) c.write(request);
    });
    c.setEncoding('utf8');
    let got = '';
    c.on('data', (d: string) => {
      got += d;
      if (got.includes('\n')) {
        c.destroy();
        resolve(got.trim());
      }
    });
    c.on('error', reject);
    c.on('end', () => resolve(got.trim()));
  });
}

test('the helper service: Node runtime from its environment, per-user pipe, front door, stop', async () => {
  const sid = addon.currentUserSid!();
  const name = HELPER_SERVICE_NAME;
  const dataRoot = `C:\\SlipstreamServiceTest-${process.pid}`;
  mkdirSync(dataRoot);
  const fixture = path.join(here, 'fixtures', 'service-main-fixture.js');
  const addonFile = process.env.SLIPSTREAM_TEST_ADDON!;
  // With the installer's V8 flags (app/packaging/windows/installer.nsh), as the SCM passes them.
  const bin = `"${process.execPath}" ${TUNNEL_RUNTIME_FLAGS.join(' ')} "${fixture}" "${addonFile}" "${dataRoot}"`;
  system32('sc.exe', ['delete', name]);
  system32('sc.exe', ['create', name, 'binPath=', bin, 'start=', 'demand']);
  // What installer.nsh adds, by the same command: stored as REG_MULTI_SZ (wine's SCM
  // then ignores it; Windows' SCM gives it to the service process).
  const key = `HKLM\\SYSTEM\\CurrentControlSet\\Services\\${name}`;
  system32('reg.exe', [
    'add',
    key,
    '/v',
    'Environment',
    '/t',
    'REG_MULTI_SZ',
    '/d',
    'ELECTRON_RUN_AS_NODE=1',
    '/f',
  ]);
  const query = addon.queryService!;
  const wait = async (state: string) => {
    for (let i = 0; i < 160; i++) {
      const s = query(name);
      if (s?.state === state) return s;
      await sleep(250);
    }
    throw new Error(`the service never became ${state} (now ${query(name)?.state})`);
  };
  try {
    assert.match(
      system32('reg.exe', ['query', key, '/v', 'Environment']),
      /ELECTRON_RUN_AS_NODE=1/,
    );
    assert.equal(addon.startService!(name, ['--user-sid', sid]), true);
    const running = await wait('running');

    // The first user's pipe, served by the service process, answers.
    const pipe = pipePathForSid(sid);
    const info = addon.inspectPipeServer!(pipe);
    assert.equal(info.pid, running.pid);
    assert.equal(info.ownerSid, 'S-1-5-18');
    const answer = JSON.parse(await oneLine(pipe, '{"id":1,"command":"getState","payload":{}}\n'));
    assert.equal(answer.id, 1);
    assert.equal(answer.envelope.ok, true);

    // The front door: served by the service, identifies us, names our pipe.
    assert.equal(addon.inspectPipeServer!(FRONT_DOOR_PIPE).pid, running.pid);
    assert.deepEqual(JSON.parse(await oneLine(FRONT_DOOR_PIPE, null)), { pipe });

    // The GUI's checks: owner and process id pass, the server's user (not SYSTEM under wine)
    // does not, on the user's pipe and, before knocking, on the front door.
    await assert.rejects(connectHelper(pipe), /served by S-1-5-21[-\d]+, not by the system/);
    await assert.rejects(
      ensureWindowsHelper(),
      /Could not reach the Slipstream service: the pipe is served by S-1-5-21[-\d]+, not by the system/,
    );

    system32('sc.exe', ['stop', name]);
    await wait('stopped');
  } finally {
    system32('sc.exe', ['stop', name]);
    system32('sc.exe', ['delete', name]);
  }
  const log = readFileSync(`${dataRoot}\\Slipstream\\service.jsonl`, 'utf8');
  rmSync(dataRoot, { recursive: true, force: true });
  // Under wine the Environment value does not reach the service (see the fixture).
  assert.match(log, /service starting[^\n]*"runAsNode":false/);
  assert.match(log, /"serving"|serving/);
  assert.match(log, /user helper stopped/);
});
