// The Windows service's users as plain data: whom it admits (user accounts, at most
// MAX_SERVED_USERS, each once), their pipes, who signed out, the front door's access
// control and answers, and the one tunnel they share (TunnelGate, gatedStartTunnel).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FRONT_DOOR_PIPE,
  FRONT_DOOR_SDDL,
  frontDoorAnswer,
  MAX_SERVED_USERS,
  ServedUsers,
  TunnelGate,
} from '../../../app/helper/served-users.js';
import {
  gatedLiftStale,
  gatedStartTunnel,
  TUNNEL_TAKEN,
} from '../../../app/helper/gated-tunnel.js';
import { pipePathForSid } from '../../../app/helper/windows-pipe.js';
import type { StartTunnel } from '../../../app/helper/tunnel-controller.js';
import type { Logger } from '../../../app/log/logger.js';
import type { RunningTunnel, TunnelOptions } from '../../../app/tunnel/session.js';
import type { WgQuickConfig } from '../../../app/config/types.js';

const sid = (n: number) => `S-1-5-21-1004336348-1177238915-682003330-${1000 + n}`;

test('each user is admitted once, up to the bound, and gets a pipe of their own', () => {
  assert.equal(MAX_SERVED_USERS, 8);
  const users = new ServedUsers(3);
  assert.deepEqual(users.admit(sid(1)), { kind: 'new', sid: sid(1) });
  assert.deepEqual(users.admit(sid(1)), { kind: 'serving', sid: sid(1) });
  assert.deepEqual(users.admit(sid(2)), { kind: 'new', sid: sid(2) });
  assert.deepEqual(users.admit(sid(3)), { kind: 'new', sid: sid(3) });
  const full = users.admit(sid(4));
  assert.equal(full.kind, 'refused');
  assert.match((full as { reason: string }).reason, /already serves 3 users/);
  assert.equal(users.size, 3);
  // Already served users are still answered when full.
  assert.equal(users.admit(sid(2)).kind, 'serving');
  assert.deepEqual(users.pipes(), [sid(1), sid(2), sid(3)].map(pipePathForSid));
  assert.equal(new Set(users.pipes()).size, 3);
  // A place frees up when a helper stops.
  users.release(sid(2));
  assert.equal(users.has(sid(2)), false);
  assert.equal(users.admit(sid(4)).kind, 'new');
});

test('only user accounts are admitted: groups, well-known SIDs, SDDL smuggling and "" are refused', () => {
  const users = new ServedUsers();
  for (const bad of [
    '',
    'S-1-1-0',
    'S-1-5-18',
    'S-1-5-32-544',
    'S-1-5-4',
    `${sid(1)})(A;;FA;;;WD`,
  ]) {
    const a = users.admit(bad);
    assert.equal(a.kind, 'refused', bad);
    assert.match((a as { reason: string }).reason, /not the SID of a user account/);
  }
  assert.equal(users.size, 0);
});

test('session list -> the served users who signed out', () => {
  const users = new ServedUsers();
  for (const n of [1, 2, 3]) users.admit(sid(n));
  assert.deepEqual(users.signedOut([sid(1), sid(3), sid(9)]), [sid(2)]);
  assert.deepEqual(users.signedOut([]), [sid(1), sid(2), sid(3)]);
  assert.deepEqual(users.signedOut([sid(1), sid(2), sid(3)]), []);
});

test('the front door: interactive users in, network logons out, answers', () => {
  assert.equal(FRONT_DOOR_PIPE, '\\\\.\\pipe\\slipstream-helper');
  assert.equal(FRONT_DOOR_SDDL, 'O:SYD:P(D;;FA;;;NU)(A;;FA;;;S-1-5-18)(A;;0x12019f;;;IU)');
  assert.deepEqual(frontDoorAnswer({ kind: 'new', sid: sid(1) }), { pipe: pipePathForSid(sid(1)) });
  assert.deepEqual(frontDoorAnswer({ kind: 'serving', sid: sid(1) }), {
    pipe: pipePathForSid(sid(1)),
  });
  assert.deepEqual(frontDoorAnswer({ kind: 'refused', reason: 'no' }), { error: 'no' });
});

function fakeStart(fail = false) {
  const stopped: string[] = [];
  const start: StartTunnel = async (_config: WgQuickConfig, options: TunnelOptions) => {
    if (fail) throw new Error('TUN failed');
    const tunnel: RunningTunnel = {
      ifname: options.ifname ?? 'wg0',
      listenPort: 51820,
      stats: () => ({}) as ReturnType<RunningTunnel['stats']>,
      probePeers: () => {},
      stop: async () => void stopped.push(tunnel.ifname),
    };
    return tunnel;
  };
  return { start, stopped };
}

const config = {} as WgQuickConfig;
const log = {} as Logger;
const opts = (ifname: string) => ({ ifname }) as TunnelOptions;

test('one tunnel on the machine: a second user is refused until the first one stops', async () => {
  const gate = new TunnelGate();
  const { start, stopped } = fakeStart();
  const alice = gatedStartTunnel(start, gate, sid(1));
  const bob = gatedStartTunnel(start, gate, sid(2));
  const a = await alice(config, opts('a'), log);
  assert.equal(a.ifname, 'a');
  assert.equal(a.listenPort, 51820);
  assert.equal(gate.holder, sid(1));
  await assert.rejects(bob(config, opts('b'), log), { message: TUNNEL_TAKEN });
  assert.equal(gate.holder, sid(1), 'a refused start leaves the holder alone');
  // Bob's disconnect does not "clean up" Alice's live tunnel.
  let lifted = 0;
  await gatedLiftStale(async () => void lifted++, gate, sid(2))();
  assert.equal(lifted, 0);
  await gatedLiftStale(async () => void lifted++, gate, sid(1))();
  assert.equal(lifted, 1);
  await a.stop();
  assert.deepEqual(stopped, ['a']);
  assert.equal(gate.holder, null);
  const b = await bob(config, opts('b'), log);
  assert.equal(gate.holder, sid(2));
  await b.stop();
  await gatedLiftStale(async () => void lifted++, gate, sid(1))();
  assert.equal(lifted, 2, 'with nobody holding the gate, leftovers are cleaned');
});

test('a tunnel that fails to start gives the gate back', async () => {
  const gate = new TunnelGate();
  await assert.rejects(
    gatedStartTunnel(fakeStart(true).start, gate, sid(1))(config, opts('a'), log),
    /TUN failed/,
  );
  assert.equal(gate.holder, null);
  assert.equal(gate.acquire(sid(2)), true);
});
