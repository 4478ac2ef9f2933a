// runHelper, the helper shared by main.ts (Linux) and the Windows service: ready only once
// its socket answers, stopped by its signal with the tunnel down and the socket gone, and a
// failed start logged and reported, not left half running.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from '../../../ipc/client.js';
import type { HelperArgs } from '../../../app/helper/args.js';
import { runHelper } from '../../../app/helper/run.js';
import { connectHelper } from '../../../app/main/helper-transport.js';

let base: string;

before(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'ss-run-helper-'));
  await chmod(base, 0o755);
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

function argsIn(dir: string): HelperArgs {
  return {
    socket: path.join(dir, 'run', 'helper.sock'),
    uid: process.getuid!(),
    gid: process.getgid!(),
    stateDir: path.join(dir, 'state'),
    logDir: path.join(dir, 'logs'),
    ifname: null,
    logLevel: 'info',
  };
}

async function logLines(dir: string): Promise<{ message: string; reason?: string }[]> {
  const text = await readFile(path.join(dir, 'logs', 'helper.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { message: string });
}

test('serves once ready and stops on its signal, with the reason logged', async () => {
  const dir = path.join(base, 'ok');
  const args = argsIn(dir);
  const stop = new AbortController();
  const listenersBefore = process.listenerCount('uncaughtException');
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const running = runHelper(args, { stopSignal: stop.signal, onReady: () => resolveReady() });
  await ready;
  const transport = await connectHelper(args.socket, process.getuid!());
  const state = await createClient(transport).getState({});
  assert.equal(state.status, 'disconnected');
  transport.close();

  stop.abort('service stop');
  assert.equal(await running, 0);
  assert.equal(existsSync(args.socket), false, 'the socket is removed');
  assert.equal(process.listenerCount('uncaughtException'), listenersBefore);
  const lines = await logLines(dir);
  assert.ok(lines.some((l) => l.message === 'helper ready'));
  const stopping = lines.find((l) => l.message === 'helper stopping');
  assert.equal(stopping?.reason, 'service stop', 'flushed before runHelper resolved');
});

test('a stop requested while starting takes effect once started', async () => {
  const dir = path.join(base, 'early');
  const stop = new AbortController();
  stop.abort('SIGTERM');
  assert.equal(await runHelper(argsIn(dir), { stopSignal: stop.signal }), 0);
  const stopping = (await logLines(dir)).find((l) => l.message === 'helper stopping');
  assert.equal(stopping?.reason, 'SIGTERM');
});

test('a failed start rejects, after logging why', async () => {
  const dir = path.join(base, 'bad');
  const args = argsIn(dir);
  // The socket's directory writable by others: the endpoint refuses it.
  await mkdir(path.dirname(args.socket), { recursive: true });
  await chmod(path.dirname(args.socket), 0o777);
  let readyCalled = false;
  await assert.rejects(
    runHelper(args, {
      stopSignal: new AbortController().signal,
      onReady: () => (readyCalled = true),
    }),
    /must belong to the helper and not be writable by others/,
  );
  assert.equal(readyCalled, false);
  const failed = (await logLines(dir)).find((l) => l.message === 'helper failed to start');
  assert.ok(failed, 'the failure is in the helper log');
});
