// test-platform: linux-only: stands a Unix socket in for the named pipe (test/windows covers the real pipe)
// The platform seam of the control channel, exercised on this machine: which endpoint a
// platform gets, the Windows command line, the named-pipe endpoint around the addon's pipe
// server (with a fake one; the real pipe runs in test/windows), a server that stays silent until a
// client has written, and the GUI's service start-up logic (with a fake service manager).
import assert from 'node:assert/strict';
import { fstatSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDispatcher } from '../../../ipc/server.js';
import { parseHelperArgs } from '../../../app/helper/args.js';
import { controlEndpoint, startControlServer } from '../../../app/helper/control-server.js';
import { endpointKind } from '../../../app/helper/endpoint.js';
import {
  namedPipeEndpoint,
  type CreatePipeServer,
} from '../../../app/helper/named-pipe-endpoint.js';
import {
  ensureWindowsHelper,
  SERVICE_NOT_INSTALLED,
  type ServiceControl,
} from '../../../app/main/helper-launcher.js';
import type { FrontDoorAnswer } from '../../../app/helper/served-users.js';
import type { PipeServerEvent, ServiceStatus } from '../../../app/native/types.js';

const USER = 'S-1-5-21-3623811015-3361044348-30300820-1013';
const PIPE = `\\\\.\\pipe\\slipstream-helper-${USER}`;
const dispatch = createDispatcher({
  getState: () => ({ status: 'disconnected', profileId: null }),
});

test('Windows gets the named pipe, everything else the Unix socket', () => {
  assert.equal(endpointKind('win32'), 'named-pipe');
  assert.equal(endpointKind('linux'), 'unix-socket');
  assert.equal(endpointKind('darwin'), 'unix-socket');
  const unix = controlEndpoint({ socketPath: '/run/x.sock', uid: 1, gid: 1, dispatch }, 'linux');
  assert.equal(unix.path, '/run/x.sock');
  assert.equal(unix.silentUntilRequest, false);
  // The served user must be given the platform's way.
  assert.throws(
    () => controlEndpoint({ socketPath: PIPE, uid: 1, gid: 1, dispatch }, 'win32'),
    /by SID/,
  );
  assert.throws(
    () => controlEndpoint({ socketPath: '/x', userSid: USER, dispatch }, 'linux'),
    /uid and gid/,
  );
});

test('Windows helper arguments: --user-sid instead of --uid/--gid/--socket', () => {
  const base = ['--user-sid', USER, '--state-dir', 'C:\\s', '--log-dir', 'C:\\l'];
  assert.deepEqual(parseHelperArgs(base, 'win32'), {
    socket: PIPE,
    userSid: USER,
    stateDir: 'C:\\s',
    logDir: 'C:\\l',
    ifname: null,
    logLevel: 'info',
  });
  assert.throws(() => parseHelperArgs(base.slice(2), 'win32'), /missing --user-sid/);
  assert.throws(() => parseHelperArgs([...base, '--uid', '0'], 'win32'), /unknown option --uid/);
  assert.throws(
    () => parseHelperArgs([...base, '--socket', '\\\\.\\pipe\\other'], 'win32'),
    /unknown option --socket/,
  );
  assert.throws(
    () => parseHelperArgs(['--user-sid', 'S-1-1-0', ...base.slice(2)], 'win32'),
    /not the SID of a user account/,
  );
  assert.throws(
    () => parseHelperArgs(['--user-sid', `${USER})(A;;FA;;;WD`, ...base.slice(2)], 'win32'),
    /not the SID of a user account/,
  );
  // And Linux does not take a SID.
  assert.throws(
    () => parseHelperArgs(['--socket', '/s', '--uid', '1', '--gid', '1', ...base], 'linux'),
    /unknown option --user-sid/,
  );
});

test('named-pipe endpoint: the addon creates the pipe with its DACL; errors and close', async () => {
  const calls: { pipe: string; sddl: string }[] = [];
  let onEvent: PipeServerEvent = () => {};
  let closed = 0;
  const fake: CreatePipeServer = (pipe, sddl, callback) => {
    calls.push({ pipe, sddl });
    onEvent = callback;
    return { close: () => void closed++ };
  };
  const server = net.createServer();
  const endpoint = namedPipeEndpoint(PIPE, USER, fake);
  assert.equal(endpoint.silentUntilRequest, true);
  await endpoint.listen(server);
  assert.deepEqual(calls, [
    { pipe: PIPE, sddl: `O:SYD:P(D;;FA;;;NU)(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x12019f;;;${USER})` },
  ]);
  assert.equal(server.listening, false, 'the net.Server itself never listens');

  // A descriptor that is not a pipe or socket is closed, not leaked, and not served.
  const dir = await mkdtemp(path.join(tmpdir(), 'ss-pipe-seam-'));
  try {
    let connections = 0;
    server.on('connection', () => connections++);
    const fd = openSync(path.join(dir, 'f'), 'w');
    onEvent(null, fd);
    assert.throws(() => fstatSync(fd), /EBADF/);
    assert.equal(connections, 0);

    // The accept loop stopping on an error: the pipe is closed and the server hears it.
    const heard: Error[] = [];
    server.on('error', (e) => heard.push(e));
    onEvent(new Error('createPipeServer: ConnectNamedPipe: broken'));
    assert.equal(heard.length, 1);
    assert.equal(closed, 1);
    // A connection that crossed the close is closed at once.
    const late = openSync(path.join(dir, 'g'), 'w');
    onEvent(null, late);
    assert.throws(() => fstatSync(late), /EBADF/);
    assert.equal(connections, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // Closing the net.Server (what the control server does) closes the pipe.
  const second = net.createServer();
  await namedPipeEndpoint(PIPE, USER, fake).listen(second);
  await new Promise<void>((r) => second.close(() => r()));
  assert.equal(closed, 2);

  // The name taken: createPipeServer throws (ERROR_ACCESS_DENIED) and listen rejects.
  const taken = Object.assign(new Error('createPipeServer: CreateNamedPipeW: Access is denied'), {
    code: 'ERROR_ACCESS_DENIED',
  });
  await assert.rejects(
    namedPipeEndpoint(PIPE, USER, () => {
      throw taken;
    }).listen(net.createServer()),
    /Access is denied/,
  );
  // A bad SID is refused before anything is created.
  const before = calls.length;
  assert.throws(() => namedPipeEndpoint(PIPE, 'S-1-1-0', fake), /user account/);
  assert.equal(calls.length, before);
});

test('a silent-until-request endpoint: a client that never writes hears nothing', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ss-silent-'));
  const where = path.join(dir, 'control.sock');
  const server = await startControlServer({
    socketPath: where,
    userSid: USER,
    dispatch,
    // The named pipe's silence rule, on a Unix socket.
    endpoint: {
      path: where,
      silentUntilRequest: true,
      listen: (server) => new Promise<void>((r) => server.listen(where, r)),
      cleanup: async () => {},
    },
  });
  const open = async () => {
    const s = net.createConnection(where);
    s.setEncoding('utf8');
    let heard = '';
    s.on('data', (d: string) => (heard += d));
    await new Promise((r) => s.once('connect', r));
    return { s, heard: () => heard };
  };
  try {
    const reader = await open();
    const talker = await open();
    talker.s.write('{"id":1,"command":"getState","payload":{}}\n');
    for (let i = 0; i < 100 && !talker.heard().includes('"id":1'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(server.clients, 2);
    server.broadcast('state', { status: 'signed-out' });
    await new Promise((r) => setTimeout(r, 100));
    assert.match(talker.heard(), /"event":"state"/);
    assert.equal(reader.heard(), '');
    reader.s.destroy();
    talker.s.destroy();
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

function fakeServices(
  states: (ServiceStatus | null)[],
  startError?: Error,
  answer: FrontDoorAnswer = { pipe: PIPE },
) {
  const started: string[][] = [];
  let knocks = 0;
  let at = 0;
  const control: ServiceControl = {
    knock: async () => {
      knocks++;
      return answer;
    },
    currentUserSid: () => USER,
    queryService: (name) => {
      assert.equal(name, 'SlipstreamHelper');
      return states[Math.min(at++, states.length - 1)] ?? null;
    },
    startService: (_name, args) => {
      if (startError) throw startError;
      started.push(args);
      return true;
    },
  };
  return { control, started, knocks: () => knocks };
}

test('Windows launcher: starts the service with the user SID and returns that user’s pipe', async () => {
  const { control, started, knocks } = fakeServices([
    { state: 'stopped', pid: 0 },
    { state: 'start-pending', pid: 77 },
    { state: 'running', pid: 77 },
  ]);
  const endpoint = await ensureWindowsHelper(control, 5_000);
  assert.equal(endpoint.socketPath, PIPE);
  assert.equal(endpoint.how, 'service');
  assert.deepEqual(started, [['--user-sid', USER]]);

  assert.equal(knocks(), 0, 'started with our SID: no need to ask');

  const running = fakeServices([{ state: 'running', pid: 5 }]);
  await ensureWindowsHelper(running.control);
  assert.deepEqual(running.started, [], 'a running service is not started again');
  assert.equal(running.knocks(), 1, 'but asked, at its front door, to serve this user too');
});

test('Windows launcher: the front door refusing, or answering for somebody else, is an error', async () => {
  const full = { error: 'the service already serves 8 users; one of them must sign out first' };
  await assert.rejects(
    ensureWindowsHelper(fakeServices([{ state: 'running', pid: 5 }], undefined, full).control),
    /cannot serve you: the service already serves 8 users/,
  );
  const other = { pipe: PIPE.replace(USER, 'S-1-5-21-1-2-3-4') };
  await assert.rejects(
    ensureWindowsHelper(fakeServices([{ state: 'running', pid: 5 }], undefined, other).control),
    /answered for another user/,
  );
});

test('Windows launcher: clear errors', async () => {
  await assert.rejects(ensureWindowsHelper(fakeServices([null]).control), {
    message: SERVICE_NOT_INSTALLED,
  });
  assert.equal(
    SERVICE_NOT_INSTALLED,
    'The Slipstream service is not installed. Reinstall Slipstream.',
  );
  const disabled = Object.assign(new Error('startService: StartServiceW: disabled'), {
    code: 'ERROR_SERVICE_DISABLED',
  });
  await assert.rejects(
    ensureWindowsHelper(fakeServices([{ state: 'stopped', pid: 0 }], disabled).control),
    /disabled/,
  );
  await assert.rejects(
    ensureWindowsHelper(
      fakeServices([
        { state: 'stopped', pid: 0 },
        { state: 'stopped', pid: 0 },
      ]).control,
    ),
    /stopped right after starting/,
  );
  await assert.rejects(
    ensureWindowsHelper(fakeServices([{ state: 'start-pending', pid: 1 }]).control, 150),
    /did not start in time/,
  );
});
