// The Windows build of the addon in a real Windows node.exe (under wine, through
// `npm run test:windows`): its exports, named-pipe security, the secure directory,
// and a service's whole life under the Service Control Manager.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../../app/native/addon.js';

const addon = loadAddon();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function need<T>(f: T | undefined, name: string): T {
  assert.equal(typeof f, 'function', `${name} is exported`);
  return f as T;
}

function roundTrip(pipe: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(pipe, () => c.write(text));
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('end', () => resolve(got));
    c.on('error', reject);
  });
}

test('the Windows exports are present', () => {
  assert.equal(process.platform, 'win32');
  for (const name of [
    'securePipe',
    'inspectPipeServer',
    'currentUserSid',
    'queryService',
    'startService',
    'runService',
    'reportServiceRunning',
    'reportServiceStopped',
    'ensureSecureDirectory',
    'openUdp',
    'openTun',
  ] as const) {
    assert.equal(typeof addon[name], 'function', name);
  }
});

test('currentUserSid is a user account SID', () => {
  assert.match(need(addon.currentUserSid, 'currentUserSid')(), /^S-1-5-21(-\d+){4}$/);
});

test('a pipe gets the helper DACL, its server is inspected, and a client round-trips', async () => {
  const sid = addon.currentUserSid!();
  const pipe = `\\\\.\\pipe\\slipstream-test-${process.pid}`;
  const server = net.createServer((c) => c.on('data', (d) => c.end('echo:' + d.toString())));
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(pipe, res);
  });
  try {
    const securePipe = need(addon.securePipe, 'securePipe');
    securePipe(pipe, `O:SYD:P(D;;FA;;;NU)(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x12019f;;;${sid})`);
    assert.throws(() => securePipe(pipe, 'O:SY'), /must have a DACL/);
    assert.throws(
      () => securePipe(pipe, 'garbage'),
      (e: NodeJS.ErrnoException) => e.code === 'ERROR_INVALID_PARAMETER',
    );
    const info = need(addon.inspectPipeServer, 'inspectPipeServer')(pipe);
    assert.equal(info.pid, process.pid);
    assert.equal(info.ownerSid, 'S-1-5-18');
    assert.equal(await roundTrip(pipe, 'ping'), 'echo:ping');
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.throws(
    () => addon.inspectPipeServer!('\\\\.\\pipe\\slipstream-nobody-here'),
    (e: NodeJS.ErrnoException) => e.code === 'ERROR_FILE_NOT_FOUND',
  );
});

test('ensureSecureDirectory creates a directory, and creates nothing for a bad SDDL', () => {
  const ensure = need(addon.ensureSecureDirectory, 'ensureSecureDirectory');
  // A new directory: wine reports the user, not SYSTEM, as owner of an existing one.
  const dir = `C:\\ProgramData\\SlipstreamTest-${process.pid}`;
  ensure(dir, 'D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)');
  assert.ok(statSync(dir).isDirectory());
  rmdirSync(dir);
  assert.throws(() => ensure(dir, 'no DACL here'));
  assert.equal(existsSync(dir), false);
});

test('a service runs under the SCM: start arguments, running, stop, stopped', async () => {
  const name = `SlipstreamTest${process.pid}`;
  const query = need(addon.queryService, 'queryService');
  const start = need(addon.startService, 'startService');
  assert.equal(query('SlipstreamNoSuchService'), null);
  assert.match(query('RpcSs')!.state, /^(running|stopped)$/);
  const log = `C:\\${name}.log`;
  rmSync(log, { force: true });
  const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
  const script = path.join(fixture, 'service-fixture.js');
  const sc = (...args: string[]) => {
    try {
      execFileSync('C:\\windows\\system32\\sc.exe', args, { stdio: 'ignore' });
    } catch {
      // sc reports "not installed" and similar through its exit code; the checks below decide.
    }
  };
  const addonFile = process.env.SLIPSTREAM_TEST_ADDON!;
  const bin = `"${process.execPath}" "${script}" "${addonFile}" "${log}" ${name}`;
  sc('create', name, 'binPath=', bin, 'start=', 'demand');
  try {
    assert.equal(query(name)?.state, 'stopped');
    assert.equal(start(name, ['--user-sid', 'S-1-5-21-1-2-3-4']), true);
    const wait = async (state: string) => {
      for (let i = 0; i < 120; i++) {
        const s = query(name);
        if (s?.state === state) return s;
        await sleep(250);
      }
      throw new Error(`the service never became ${state}`);
    };
    assert.ok((await wait('running')).pid > 0);
    assert.equal(start(name, []), false, 'a running service is not started twice');
    sc('stop', name);
    await wait('stopped');
  } finally {
    sc('delete', name);
  }
  const lines = readFileSync(log, 'utf8').trim().split(/\r?\n/);
  rmSync(log, { force: true });
  assert.deepEqual(lines, [
    'start 0 ["--user-sid","S-1-5-21-1-2-3-4"]',
    'running',
    'stop 1',
    'stopped',
  ]);
});

test('runService outside the SCM reports error 1063', async () => {
  const runService = need(addon.runService, 'runService');
  const event = await new Promise((res) =>
    runService('SlipstreamNoScm', (e, code) => res([e, code])),
  );
  assert.deepEqual(event, ['error', 1063]);
});
