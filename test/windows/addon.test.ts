// The Windows build of the addon in a real Windows node.exe (under wine, through
// `npm run test:windows`): its exports, the secure directory,
// and a service's whole life under the Service Control Manager (the pipe: pipe-server.test.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
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

test('the Windows exports are present', () => {
  assert.equal(process.platform, 'win32');
  for (const name of [
    'createPipeServer',
    'inspectPipeServer',
    'currentUserSid',
    'signedInUserSids',
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

test('signedInUserSids returns the session users as SIDs (wine lists no sessions)', () => {
  const sids = need(addon.signedInUserSids, 'signedInUserSids')();
  assert.ok(Array.isArray(sids));
  // Wine 8's WTSEnumerateSessionsW reports no sessions (measured: []), so which users it
  // finds needs a real Windows; here only the shape: user SIDs, each once.
  for (const sid of sids) assert.match(sid, /^S-1-(5-21|12-1)(-\d+){4}$/);
  assert.equal(new Set(sids).size, sids.length);
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
