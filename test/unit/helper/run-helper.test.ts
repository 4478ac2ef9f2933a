// test-platform: linux-only: runs the helper on a Unix socket with POSIX signals
// runHelper, the helper shared by main.ts (Linux) and the Windows service: ready only once
// its socket answers, stopped by its signal with the tunnel down and the socket gone, and a
// failed start logged and reported, not left half running.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, IpcError } from '../../../ipc/client.js';
import type { LogLine } from '../../../ipc/schema.js';
import { MAX_LINE_BYTES } from '../../../ipc/wire.js';
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

test('readLogs over the control socket: huge lines and limit 10,000 never pass the line limit', async () => {
  const dir = path.join(base, 'huge-lines');
  const args = argsIn(dir);
  await mkdir(args.logDir, { recursive: true });
  // 40 lines of 99,000 control characters: 4 MB on disk, six bytes each in JSON (24 MB
  // if a page took them all), under the sink's 10 MB so the helper does not rotate it.
  const huge = Array.from({ length: 40 }, (_, i) => `${'\u0001'.repeat(99_000)}${i}`);
  await writeFile(path.join(args.logDir, 'helper.jsonl'), `${huge.join('\n')}\n`);
  const stop = new AbortController();
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const running = runHelper(args, { stopSignal: stop.signal, onReady: () => resolveReady() });
  await ready;
  const transport = await connectHelper(args.socket, process.getuid!());
  const helper = createClient(transport);
  const filter = { minLevel: 'trace', text: '' } as const;
  try {
    const first = await helper.readLogs({ source: 'helper', filter, offset: 0, limit: 10_000 });
    assert.ok(first.lines.length > 0 && first.lines.length < 40, `${first.lines.length} lines`);
    assert.ok(Buffer.byteLength(JSON.stringify(first)) < MAX_LINE_BYTES);
    // The link is still up, and the rest comes page by page from where the answer stopped.
    assert.equal((await helper.getState({})).status, 'disconnected');
    const got: LogLine[] = [...first.lines];
    for (;;) {
      const page = await helper.readLogs({
        source: 'helper',
        filter,
        offset: got.length,
        limit: 10_000,
      });
      if (page.lines.length === 0) break;
      got.push(...page.lines);
    }
    assert.ok(got.length >= 41, 'the huge lines and the helper’s own');
    huge.forEach((text, i) => {
      const line = got[i]!;
      assert.ok(!line.ok && line.raw === text && line.file === 'helper.jsonl' && line.line === i);
    });
    // The helper reads only its own log.
    await assert.rejects(
      helper.readLogs({ source: 'main', filter, offset: 0, limit: 1 }),
      (err: unknown) => err instanceof IpcError && err.code === 'invalid-request',
    );
    await assert.rejects(
      helper.findLogTime({ source: 'both', filter, time: '2026-11-25T08:00:00Z' }),
      (err: unknown) => err instanceof IpcError && err.code === 'invalid-request',
    );
    assert.equal((await helper.getState({})).status, 'disconnected');
  } finally {
    transport.close();
    stop.abort('test done');
    await running;
  }
});
