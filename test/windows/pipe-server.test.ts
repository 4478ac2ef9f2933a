// The helper's control pipe as the addon serves it (native/src/windows/pipe_server.cc), in
// a real Windows node.exe under wine: the DACL is on the first instance before any client
// came, a second server on the name is refused, connected instances become net.Sockets
// that round-trip, the control server runs on it end to end, and the GUI's check of who
// serves it (inspectPipeServer + pipeServerTrusted, connectHelper) sees this process.
// Wine does not enforce DACLs between its processes (one Unix user), so that a stranger
// is actually kept out needs a real Windows; what is checked here is the descriptor the
// pipe carries.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createDispatcher } from '../../ipc/server.js';
import { startControlServer } from '../../app/helper/control-server.js';
import { pipePathForSid, pipeSddl, pipeServerTrusted } from '../../app/helper/windows-pipe.js';
import { connectHelper } from '../../app/main/helper-transport.js';
import { loadAddon } from '../../app/native/addon.js';

const addon = loadAddon();
const sid = addon.currentUserSid!();

/** Instances close with their sockets, a moment after close(): waits for the name to go. */
async function gone(pipe: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    try {
      addon.inspectPipeServer!(pipe);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERROR_FILE_NOT_FOUND') return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${pipe} is still served`);
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

test('createPipeServer: DACL from the first instance, clients round-trip, the name is ours alone', async () => {
  const create = addon.createPipeServer!;
  assert.equal(typeof create, 'function');
  const pipe = `\\\\.\\pipe\\slipstream-test-ps-${process.pid}`;
  const sddl = pipeSddl(sid);
  const errors: Error[] = [];
  let accepted = 0;
  const server = create(pipe, sddl, (err, fd) => {
    if (err) return void errors.push(err);
    accepted++;
    const s = new net.Socket({ fd: fd!, readable: true, writable: true });
    s.on('data', (d) => s.end('echo:' + d.toString()));
    s.on('error', () => s.destroy());
  });
  try {
    // The very first client reaches the first instance, created with the descriptor.
    const info = addon.inspectPipeServer!(pipe);
    assert.equal(info.pid, process.pid);
    assert.equal(info.ownerSid, 'S-1-5-18');
    assert.match(info.sddl, /^O:SYD:P/, `protected DACL, got ${info.sddl}`);
    assert.ok(info.sddl.includes(`;;;${sid})`), `the served user is listed: ${info.sddl}`);
    assert.ok(info.sddl.includes(';;;NU)'), `network logons are denied: ${info.sddl}`);
    assert.ok(!/;;;(WD|AN|IU|BU)\)/.test(info.sddl), `nobody else is listed: ${info.sddl}`);
    // The GUI's rule: this process is not SYSTEM, and only the service's pid is trusted.
    assert.deepEqual(pipeServerTrusted({ ...info, processSid: null }, process.pid), {
      trusted: true,
    });
    assert.equal(pipeServerTrusted({ ...info, processSid: null }, process.pid + 4).trusted, false);
    assert.equal(pipeServerTrusted(info, process.pid).trusted, false, 'served by a user');

    // Clients one after the other (each takes the instance made after the last) and at once.
    for (let i = 0; i < 3; i++) assert.equal(await roundTrip(pipe, `a${i}`), `echo:a${i}`);
    const together = await Promise.all([1, 2, 3, 4].map((i) => roundTrip(pipe, `b${i}`)));
    assert.deepEqual(together, ['echo:b1', 'echo:b2', 'echo:b3', 'echo:b4']);

    // A second server on the name fails. Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE (a
    // second libuv listen succeeds there too), so what refuses it here is the look
    // before the create; on Windows the flag refuses it as well (ERROR_ACCESS_DENIED).
    let second: { close(): void } | null = null;
    assert.throws(
      () => (second = create(pipe, sddl, () => {})),
      (e: NodeJS.ErrnoException) => e.code === 'ERROR_ALREADY_EXISTS',
    );
    (second as { close(): void } | null)?.close();
    // Bad descriptors are refused before anything is created.
    assert.throws(() => create(`${pipe}-x`, 'O:SY', () => {}), /must have a DACL/);
    assert.throws(
      () => create(`${pipe}-x`, 'garbage', () => {}),
      (e: NodeJS.ErrnoException) => e.code === 'ERROR_INVALID_PARAMETER',
    );
    assert.throws(
      () => addon.inspectPipeServer!(`${pipe}-x`),
      (e: NodeJS.ErrnoException) => e.code === 'ERROR_FILE_NOT_FOUND',
    );
  } finally {
    server.close();
    server.close(); // twice is harmless
  }
  assert.deepEqual(errors, []);
  // Every round trip was served; inspectPipeServer's client, which connects and leaves at
  // once, may be gone before it is seen (the instance is then reused, nothing handed on).
  assert.ok(accepted === 7 || accepted === 8, `accepted ${accepted}`);
  // Closed and no connection left: the name is gone.
  await gone(pipe);
});

test('the control server on the addon pipe: a request answered, the GUI refuses a non-SYSTEM server', async () => {
  const pipe = pipePathForSid(sid);
  const server = await startControlServer({
    socketPath: pipe,
    userSid: sid,
    dispatch: createDispatcher({ getState: () => ({ status: 'disconnected', profileId: null }) }),
  });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const c = net.createConnection(pipe, () =>
        c.write('{"id":7,"command":"getState","payload":{}}\n'),
      );
      c.setEncoding('utf8');
      let got = '';
      c.on('data', (d: string) => {
        got += d;
        if (got.includes('\n')) {
          c.destroy();
          resolve(got);
        }
      });
      c.on('error', reject);
    });
    const frame = JSON.parse(answer.trim()) as { id: number; envelope: { ok: boolean } };
    assert.equal(frame.id, 7);
    assert.equal(frame.envelope.ok, true);
    // connectHelper checks owner, pid and the server's user before and after connecting:
    // the owner is SYSTEM (the descriptor), but the serving process is this user's.
    await assert.rejects(connectHelper(pipe), /served by S-1-5-21[-\d]+, not by the system/);
  } finally {
    await server.close();
  }
  await gone(pipe);
});
