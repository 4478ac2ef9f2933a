// The Windows control pipe's plain-data rules: which SIDs are accepted (nothing can be
// smuggled into the SDDL), the pipe's name and descriptor, and when the GUI trusts a server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isSid,
  isUserAccountSid,
  pipeNameForSid,
  pipePathForSid,
  pipeSddl,
  pipeServerTrusted,
} from '../../../app/helper/windows-pipe.js';

const USER = 'S-1-5-21-3623811015-3361044348-30300820-1013';

test('SIDs: the string form only, and only user accounts may be served', () => {
  for (const sid of [USER, 'S-1-5-18', 'S-1-5-32-544', 'S-1-1-0', 'S-1-12-1-1-2-3-4']) {
    assert.equal(isSid(sid), true, sid);
  }
  for (const sid of [
    '',
    'S-1-5',
    's-1-5-18',
    'S-1-5-18-',
    'S-1-5--18',
    'S-2-5-18',
    'S-1-5-18\n',
    ' S-1-5-18',
    'S-1-5-21-1-2-3-4)(A;;FA;;;WD',
    'S-1-5-21-1-2-3-4;;;WD)',
    'WD',
    'S-1-5-4294967296',
    `S-1-5${'-1'.repeat(16)}`,
  ]) {
    assert.equal(isSid(sid), false, JSON.stringify(sid));
  }
  assert.equal(isUserAccountSid(USER), true);
  assert.equal(isUserAccountSid('S-1-12-1-1234567890-1234567890-1234567890-1234567890'), true);
  // Groups and well-known accounts would open the pipe to everyone in them.
  for (const sid of [
    'S-1-1-0',
    'S-1-5-4',
    'S-1-5-11',
    'S-1-5-18',
    'S-1-5-32-545',
    'S-1-5-21-1-2-3',
  ]) {
    assert.equal(isUserAccountSid(sid), false, sid);
  }
});

test('one pipe per served user', () => {
  assert.equal(pipeNameForSid(USER), `slipstream-helper-${USER}`);
  assert.equal(pipePathForSid(USER), `\\\\.\\pipe\\slipstream-helper-${USER}`);
  assert.throws(() => pipeNameForSid('S-1-1-0'), /not the SID of a user account/);
  assert.throws(() => pipePathForSid('..\\evil'), /not the SID of a user account/);
});

test('the pipe DACL: network refused, SYSTEM and Administrators in full, the user read/write', () => {
  assert.equal(
    pipeSddl(USER),
    `O:SYD:P(D;;FA;;;NU)(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x12019f;;;${USER})`,
  );
  // FILE_GENERIC_READ | FILE_GENERIC_WRITE: what libuv's GENERIC_READ | GENERIC_WRITE maps to.
  assert.equal(0x12019f, 0x120089 | 0x120116);
  for (const bad of ['S-1-5-21-1-2-3-4)(A;;FA;;;WD)', 'S-1-1-0', 'WD', '']) {
    assert.throws(() => pipeSddl(bad), /not the SID of a user account/);
  }
});

test('the GUI trusts a pipe owned by the system and served by the service process', () => {
  const ok = { pid: 4242, ownerSid: 'S-1-5-18', processSid: null };
  assert.deepEqual(pipeServerTrusted(ok, 4242), { trusted: true });
  assert.deepEqual(pipeServerTrusted({ ...ok, ownerSid: 'S-1-5-32-544' }, 4242), {
    trusted: true,
  });
  assert.deepEqual(pipeServerTrusted({ ...ok, processSid: 'S-1-5-18' }, null), { trusted: true });

  const squatter = pipeServerTrusted({ ...ok, ownerSid: USER }, 4242);
  assert.equal(squatter.trusted, false);
  assert.match(!squatter.trusted ? squatter.reason : '', /belongs to S-1-5-21-/);
  const otherProcess = pipeServerTrusted({ ...ok, pid: 999 }, 4242);
  assert.match(!otherProcess.trusted ? otherProcess.reason : '', /process 999, not by the service/);
  const notSystem = pipeServerTrusted({ ...ok, processSid: USER }, 4242);
  assert.equal(notSystem.trusted, false);
});
