// The helper's tunnel controller: what the UI's state does as a tunnel starts, comes up,
// counts, gets lost and is taken down, with the tunnel behind the StartTunnel seam played by
// a scripted stand-in (the real tunnel is exercised against wireguard-go in test/integration).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunnelState } from '../../../ipc/schema.js';
import { parseWgQuick } from '../../../app/config/parse.js';
import { TunnelController, type StartTunnel } from '../../../app/helper/tunnel-controller.js';
import { createLogger } from '../../../app/log/logger.js';
import type { RunningTunnel, TunnelOptions } from '../../../app/tunnel/session.js';
import type { WgEvent } from '../../../app/tunnel/wireguard/types.js';

const CONFIG = parseWgQuick(
  [
    '[Interface]',
    'PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
    'Address = 10.0.0.2/32',
    '[Peer]',
    'PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
    'Endpoint = 192.0.2.1:51820',
    'AllowedIPs = 0.0.0.0/0',
  ].join('\n'),
  'test.conf',
);

const silent = createLogger({ level: 'error', target: 't', sinks: [] });

interface Scripted {
  start: StartTunnel;
  /** Starts begun so far, and how many ran at the same time at most. */
  starts: number;
  maxConcurrent: number;
  events: ((e: WgEvent) => void) | null;
  probes: number;
  stops: number;
  rx: number;
  lastHandshake: number | null;
  /** Resolves the pending start. */
  release(): void;
  fail: Error | null;
  /** The kill switch each start was asked for, in order. */
  killSwitches: TunnelOptions['killSwitch'][];
  /** Whether each start was asked to keep its block if it fails. */
  keepsOnFailure: (boolean | undefined)[];
  /** What each stop was asked to keep, in order. */
  stopRequests: { keepKillSwitch?: boolean }[];
}

function scripted(opts: { hold?: boolean } = {}): Scripted {
  let release: () => void = () => {};
  let running = 0;
  const s: Scripted = {
    starts: 0,
    maxConcurrent: 0,
    events: null,
    probes: 0,
    stops: 0,
    rx: 0,
    lastHandshake: null,
    fail: null,
    killSwitches: [],
    keepsOnFailure: [],
    stopRequests: [],
    release: () => release(),
    start: async (_config, options: TunnelOptions) => {
      s.starts++;
      s.killSwitches.push(options.killSwitch);
      s.keepsOnFailure.push(options.keepKillSwitchOnFailure);
      s.maxConcurrent = Math.max(s.maxConcurrent, ++running);
      s.events = options.onEvent ?? null;
      try {
        if (opts.hold) await new Promise<void>((r) => (release = r));
      } finally {
        running--;
      }
      if (s.fail) throw s.fail;
      const tunnel: RunningTunnel = {
        ifname: 'tun9',
        listenPort: 40000,
        probePeers: () => void s.probes++,
        stats: () =>
          ({
            device: {
              peers: [
                {
                  publicKey: 'k',
                  endpoint: null,
                  lastHandshake: s.lastHandshake,
                  rxBytes: s.rx,
                  txBytes: 10,
                  rxPackets: 0,
                  txPackets: 0,
                },
              ],
            },
          }) as unknown as ReturnType<RunningTunnel['stats']>,
        stop: async (how = {}) => {
          s.stops++;
          s.stopRequests.push(how);
        },
      };
      return tunnel;
    },
  };
  return s;
}

function controller(s: Scripted, clock = { now: 0 }) {
  const states: TunnelState[] = [];
  const c = new TunnelController({
    startTunnel: s.start,
    ifname: null,
    log: silent,
    onState: (state) => {
      assert.ok(TunnelState.safeParse(state).success, 'every state passes the IPC schema');
      states.push(state);
    },
    now: () => clock.now,
    tickMs: 5,
  });
  return { c, states, clock };
}

// A call, not a property read, so one assertion's narrowing does not leak into the next.
const statusOf = (c: TunnelController): string => c.state.status;

const until = async (what: string, check: () => boolean) => {
  const end = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

test('connect → probe → handshake → connected with counters → disconnect stops the tunnel', async () => {
  const s = scripted();
  const { c, states, clock } = controller(s);
  await c.connect('p1', CONFIG);
  assert.equal(statusOf(c), 'connecting');
  assert.equal(s.probes, 1, 'a handshake is started at once, not on the first user packet');
  s.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  assert.equal(statusOf(c), 'connected');
  const up = c.state as Extract<TunnelState, { status: 'connected' }>;
  assert.equal(up.endpoint, '192.0.2.1:51820');
  assert.deepEqual(up.addresses, ['10.0.0.2/32']);
  s.lastHandshake = performance.now();
  clock.now = 1000;
  s.rx = 125_000;
  await until('a counter sample', () => c.state.status === 'connected' && c.state.rxBytes > 0);
  const counted = c.state as Extract<TunnelState, { status: 'connected' }>;
  assert.equal(counted.rxBytes, 125_000);
  assert.equal(counted.rxBitsPerSecond, 1_000_000, '125 kB in one (fake) second');
  assert.ok(counted.lastHandshakeAgeMs !== null && counted.lastHandshakeAgeMs < 1000);
  await c.disconnect();
  assert.deepEqual(c.state, { status: 'disconnected', profileId: 'p1' });
  assert.equal(s.stops, 1);
  assert.deepEqual(
    [...new Set(states.map((x) => x.status))],
    ['connecting', 'connected', 'disconnected'],
  );
});

test('a start failure becomes a retryable error with one sentence and nothing running', async () => {
  const s = scripted();
  s.fail = new Error('cannot create the tunnel interface: permission denied (run as root)');
  const { c } = controller(s);
  await c.connect('p1', CONFIG);
  assert.equal(statusOf(c), 'error');
  const e = c.state as Extract<TunnelState, { status: 'error' }>;
  assert.equal(e.retryable, true);
  assert.match(e.message, /not allowed to create the tunnel/);
  assert.doesNotMatch(e.message, /\n|at .*\.js/);
  c.dismiss();
  assert.deepEqual(c.state, { status: 'disconnected', profileId: 'p1' });
  await c.close();
});

test('no answer: reconnecting for as long as it takes, the tunnel (and its kill switch) kept up', async () => {
  const s = scripted();
  let options: Parameters<StartTunnel>[1] | null = null;
  const start = s.start;
  s.start = (config, o, log) => {
    options = o;
    return start(config, o, log);
  };
  const { c, clock } = controller(s);
  await c.connect('p1', CONFIG);
  assert.deepEqual(options!.killSwitch, { allowLan: false }, 'full tunnel: kill switch on');
  clock.now = 31_000;
  await until('reconnecting', () => c.state.status === 'reconnecting');
  assert.ok(c.state.status === 'reconnecting' && c.state.blocking);
  // Three minutes of silence: attempts go on (each one handshakes again), nothing is torn down.
  for (let t = 32_000; t <= 211_000; t += 1000) {
    clock.now = t;
    await new Promise((r) => setTimeout(r, 6));
  }
  const r = c.state as Extract<TunnelState, { status: 'reconnecting' }>;
  assert.equal(r.status, 'reconnecting');
  assert.ok(r.attempt >= 8, `attempt ${r.attempt}`);
  assert.ok(r.retryInMs <= 30_000);
  assert.ok(s.probes >= r.attempt, `${s.probes} handshakes for ${r.attempt} attempts`);
  assert.equal(s.stops, 0, 'the tunnel, and so the kill switch, stayed');
  s.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  assert.equal(statusOf(c), 'connected');
  await c.close();
  assert.equal(s.stops, 1);
});

test('a handshake unanswered for 15 s counts as lost; disconnect lifts what dead runs left', async () => {
  const s = scripted();
  let lifted = 0;
  const clock = { now: 0 };
  const c = new TunnelController({
    startTunnel: s.start,
    ifname: null,
    log: silent,
    onState: () => {},
    now: () => clock.now,
    tickMs: 5,
    liftStale: async () => void lifted++,
  });
  await c.connect('p1', CONFIG);
  s.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  s.lastHandshake = performance.now();
  clock.now = 1000;
  s.events?.({ name: 'handshake-initiated', peer: 'k', attempt: 1 });
  clock.now = 15_999;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(statusOf(c), 'connected');
  clock.now = 16_000;
  await until('lost', () => c.state.status === 'reconnecting');
  assert.match((c.state as { reason: string }).reason, /15 s/);
  await c.disconnect();
  assert.equal(lifted, 1);
  assert.equal(s.stops, 1);
});

test('disconnect while the tunnel is still starting: the late tunnel is stopped', async () => {
  const s = scripted({ hold: true });
  const { c } = controller(s);
  const connecting = c.connect('p1', CONFIG);
  await until('the start to begin', () => s.events !== null);
  await c.disconnect();
  s.release();
  await connecting;
  assert.equal(statusOf(c), 'disconnected');
  assert.equal(s.stops, 1);
  assert.equal(s.probes, 0);
});

test('a lost session reconnects (probing again) and comes back; switching profiles replaces the tunnel', async () => {
  const s = scripted();
  const { c } = controller(s);
  await c.connect('p1', CONFIG);
  s.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  s.events?.({ name: 'handshake-gave-up', peer: 'k' });
  assert.equal(statusOf(c), 'reconnecting');
  assert.equal(s.probes, 2, 'probed again when the session was lost');
  s.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  assert.equal(statusOf(c), 'connected');
  await c.connect('p2', CONFIG);
  assert.equal(s.stops, 1, 'the first tunnel went down before the second started');
  assert.equal(statusOf(c), 'connecting');
  assert.equal((c.state as { profileId: string }).profileId, 'p2');
  await c.connect('p2', CONFIG);
  assert.equal(s.stops, 1, 'connecting to the live profile again changes nothing');
  await c.close();
  assert.equal(s.stops, 2);
});

test('switching profiles while a start is under way: starts never overlap, the stale one is stopped', async () => {
  const s = scripted({ hold: true });
  const { c } = controller(s);
  const first = c.connect('p1', CONFIG);
  await until('the first start', () => s.starts === 1);
  const second = c.connect('p2', CONFIG);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(s.starts, 1, 'the second start waits for the first');
  s.release();
  await first;
  await until('the second start', () => s.starts === 2);
  assert.equal(s.stops, 1, 'the first tunnel, no longer wanted, was stopped');
  s.release();
  await second;
  assert.equal(s.maxConcurrent, 1);
  assert.equal((c.state as { profileId: string }).profileId, 'p2');
  assert.equal(s.probes, 1, 'only the wanted tunnel was probed');
  await c.close();
  assert.equal(s.stops, 2);
});

test("the profile's kill switch and allow-LAN settings decide what the tunnel is started with", async () => {
  const s = scripted();
  const { c } = controller(s);
  // CONFIG is a full tunnel: the default is on, without the LAN.
  await c.connect('p1', CONFIG);
  await c.disconnect();
  await c.connect('p1', CONFIG, { killSwitch: null, allowLan: true });
  await c.disconnect();
  await c.connect('p1', CONFIG, { killSwitch: false, allowLan: true });
  s.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  s.events?.({ name: 'handshake-gave-up', peer: 'k' });
  const lost = c.state;
  assert.equal(lost.status, 'reconnecting');
  assert.equal(
    lost.status === 'reconnecting' && lost.blocking,
    false,
    'no kill switch: not blocking',
  );
  await c.disconnect();
  assert.deepEqual(s.killSwitches, [{ allowLan: false }, { allowLan: true }, null]);
});

test('a helper shutdown while the tunnel is wanted keeps its kill switch; a disconnect does not', async () => {
  // Connected, then the service stops (SIGTERM, systemctl restart): not the user's
  // disconnect, so the tunnel goes but its block stays (fail closed).
  const wanted = scripted();
  const a = controller(wanted).c;
  await a.connect('p1', CONFIG);
  wanted.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  assert.equal(statusOf(a), 'connected');
  await a.close();
  assert.deepEqual(wanted.stopRequests, [{ keepKillSwitch: true }]);
  assert.deepEqual(wanted.keepsOnFailure, [true], 'a failed start keeps the block too');

  // Reconnecting is wanted too.
  const lost = scripted();
  const { c: b, clock } = controller(lost);
  await b.connect('p1', CONFIG);
  clock.now = 31_000;
  await until('reconnecting', () => b.state.status === 'reconnecting');
  await b.close();
  assert.deepEqual(lost.stopRequests, [{ keepKillSwitch: true }]);

  // An explicit disconnect lifts it, and a shutdown after that has nothing to keep.
  const done = scripted();
  const d = controller(done).c;
  await d.connect('p1', CONFIG);
  done.events?.({ name: 'handshake-complete', peer: 'k', role: 'initiator' });
  await d.disconnect();
  await d.close();
  assert.deepEqual(done.stopRequests, [{}]);
});

test('a helper shutdown during a start keeps the block of the tunnel that start brings up, and no start follows', async () => {
  const s = scripted({ hold: true });
  const { c } = controller(s);
  const connecting = c.connect('p1', CONFIG);
  await until('the start to begin', () => s.starts === 1);
  assert.equal(statusOf(c), 'connecting');
  const closing = c.close();
  s.release();
  await connecting;
  await closing;
  assert.deepEqual(s.stopRequests, [{ keepKillSwitch: true }], 'the late tunnel keeps its block');
  await c.connect('p2', CONFIG);
  assert.equal(s.starts, 1, 'no start after close()');
});
