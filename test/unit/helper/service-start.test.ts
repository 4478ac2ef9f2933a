// The Windows service's start arguments: only a user account's SID is taken from them, and
// everything the helper does with it (pipe, directories) is fixed by the service.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SERVICE_DIRECTORY_SDDL,
  serviceDataRoot,
  serviceStart,
} from '../../../app/helper/service-start.js';

const ROOT = 'C:\\ProgramData\\Slipstream';
const SID = 'S-1-5-21-1004336348-1177238915-682003330-1001';

test('the start arguments of helper-launcher give the user, the pipe and fixed directories', () => {
  const start = serviceStart(['--user-sid', SID], ROOT);
  assert.deepEqual(start.args, {
    socket: `\\\\.\\pipe\\slipstream-helper-${SID}`,
    userSid: SID,
    stateDir: `${ROOT}\\${SID}\\profiles`,
    logDir: `${ROOT}\\${SID}\\logs`,
    ifname: null,
    logLevel: 'info',
  });
  // Outermost first: each is secured before anything is created inside it.
  assert.deepEqual(start.directories, [
    ROOT,
    `${ROOT}\\${SID}`,
    `${ROOT}\\${SID}\\profiles`,
    `${ROOT}\\${SID}\\logs`,
  ]);
  assert.deepEqual(start.ignored, []);
  // Entra ID accounts are users too.
  const entra = 'S-1-12-1-1234567890-1234567890-1234567890-1234567890';
  assert.equal(serviceStart(['--user-sid', entra], ROOT).args.userSid, entra);
});

test('nothing but --user-sid is taken from the caller', () => {
  const start = serviceStart(
    [
      '--state-dir',
      'C:\\Users\\Public',
      '--user-sid',
      SID,
      '--log-dir',
      'C:\\Windows\\System32',
      '--socket',
      '\\\\.\\pipe\\other',
      '--log-level',
      'trace',
      '--ifname',
      'evil',
    ],
    ROOT,
  );
  assert.equal(start.args.stateDir, `${ROOT}\\${SID}\\profiles`);
  assert.equal(start.args.logDir, `${ROOT}\\${SID}\\logs`);
  assert.equal(start.args.socket, `\\\\.\\pipe\\slipstream-helper-${SID}`);
  assert.equal(start.args.logLevel, 'info');
  assert.equal(start.args.ifname, null);
  assert.deepEqual(start.ignored, [
    '--state-dir',
    'C:\\Users\\Public',
    '--log-dir',
    'C:\\Windows\\System32',
    '--socket',
    '\\\\.\\pipe\\other',
    '--log-level',
    'trace',
    '--ifname',
    'evil',
  ]);
});

test('a start without one valid user-account SID is refused', () => {
  const refused: [string[], RegExp][] = [
    [[], /missing --user-sid/],
    [['--user-sid'], /needs a value/],
    [['--uid', '1000'], /missing --user-sid/],
    [['--user-sid', SID, '--user-sid', SID], /more than once/],
    // Groups and well-known SIDs would open the pipe to everybody in them.
    [['--user-sid', 'S-1-1-0'], /not the SID of a user account/],
    [['--user-sid', 'S-1-5-32-545'], /not the SID of a user account/],
    [['--user-sid', 'S-1-5-4'], /not the SID of a user account/],
    [['--user-sid', 'S-1-5-18'], /not the SID of a user account/],
    // Nothing that could reach a path or an SDDL string.
    [['--user-sid', `${SID}\\..\\..`], /not the SID of a user account/],
    [['--user-sid', `${SID})(A;;FA;;;WD`], /not the SID of a user account/],
    [['--user-sid', `${SID}\ufffd`], /not the SID of a user account/],
    [['--user-sid', 's-1-5-21-1-2-3-1001'], /not the SID of a user account/],
    [['--user-sid', 'S-1-5-21-1-2-3-99999999999'], /not the SID of a user account/],
    [['--user-sid', ''], /not the SID of a user account/],
  ];
  for (const [argv, message] of refused) {
    assert.throws(() => serviceStart(argv, ROOT), message, JSON.stringify(argv));
  }
});

test('the data root is %ProgramData%\\Slipstream, from the service’s environment', () => {
  assert.equal(serviceDataRoot({ ProgramData: 'D:\\Data' }), 'D:\\Data\\Slipstream');
  assert.equal(serviceDataRoot({ ALLUSERSPROFILE: 'E:\\All' }), 'E:\\All\\Slipstream');
  assert.equal(serviceDataRoot({}), 'C:\\ProgramData\\Slipstream');
});

test('the service’s directories: SYSTEM and Administrators only, nothing inherited', () => {
  assert.match(SERVICE_DIRECTORY_SDDL, /^D:P/);
  const aces = SERVICE_DIRECTORY_SDDL.slice('D:P'.length).match(/\([^)]*\)/g);
  assert.deepEqual(aces, ['(A;OICI;FA;;;SY)', '(A;OICI;FA;;;BA)']);
});
