// Ctrl-C or SIGTERM at any moment of `slipstream up`, from the first line of the process to a
// running tunnel: the process is never killed by the signal, exits 0 (130 for SIGINT is
// allowed), and leaves the namespace exactly as it was (links, addresses, routes, policy
// rules, sysctls, DNS, firewall) with no journal left. The moments are chosen two ways:
// at each start-up step the CLI reports at trace level, and on a time grid spread over a
// measured start-up.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  requireRoot,
  type Topology,
} from '../harness/index.js';
import { assertSameNetwork, CLI, networkSnapshot } from './slipstream.js';

/** The start-up steps app/tunnel/session.ts reports, in order. */
const STEPS = ['recover', 'resolve', 'tun', 'system', 'udp', 'engine', 'up'];

describe('slipstream up interrupted at any moment of start-up', () => {
  let topo: Topology;
  let config: string;
  let stateDir: string;

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'int' });
    await topo.clientNs.writeResolvConf({ nameservers: ['192.0.2.53'], search: ['lan'] });
    // A full tunnel with DNS: the start-up with the most steps to undo.
    config = await topo.writeClientConfig({
      dns: ['10.200.0.1', 'corp.example'],
      peers: topo.clientConfig().peers.map((p) => ({ ...p, allowedIps: ['0.0.0.0/0', '::/0'] })),
    });
    stateDir = `/run/slipstream-test-${topo.clientNs.name}`;
  });
  after(async () => {
    await cleanupAll();
  });

  /** Starts `up`, sends `signal` when `when` resolves, and checks the outcome. */
  async function interruptOnce(
    signal: NodeJS.Signals,
    when: (proc: ReturnType<Topology['clientNs']['spawn']>) => Promise<void>,
    label: string,
  ): Promise<string> {
    const before = await networkSnapshot(topo.clientNs);
    const proc = topo.clientNs.spawn(
      process.execPath,
      [CLI, 'up', '--config', config, '--log-level', 'trace', '--stats-interval', '0'],
      {
        label: `slipstream (${label})`,
        env: { SLIPSTREAM_STATE_DIR: stateDir, SLIPSTREAM_DEBUG: '1' },
        processGroup: true,
      },
    );
    await when(proc);
    // To the whole process group, as Ctrl-C in a terminal (or systemd stopping a unit) does:
    // the tools the CLI runs must not die half-way with it.
    proc.signalGroup(signal);
    const exit = await proc.exited;
    assert.notEqual(exit.code, null, `${label}: killed by ${exit.signal}, not an orderly stop`);
    const allowed = signal === 'SIGINT' ? [0, 130] : [0];
    assert.ok(
      allowed.includes(exit.code ?? -1),
      `${label}: exit ${exit.code}; stderr: ${proc.stderr().slice(-800)}`,
    );
    assert.ok(!/\n\s+at /.test(proc.stderr()), `${label}: no stack trace`);
    assertSameNetwork(await networkSnapshot(topo.clientNs), before, `${label}: namespace`);
    const journal = await readdir(stateDir).catch(() => [] as string[]);
    assert.deepEqual(journal, [], `${label}: journal left in ${stateDir}`);
    return proc.stderr();
  }

  test('at each start-up step, with SIGINT and with SIGTERM', async () => {
    for (const step of STEPS) {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        await interruptOnce(
          signal,
          async (proc) => {
            await proc.waitForOutput(new RegExp(`"message":"start-up step","step":"${step}"`), {
              timeoutMs: 15_000,
              stream: 'stderr',
            });
          },
          `${signal} at step ${step}`,
        );
      }
    }
  });

  test('on a time grid from the first millisecond to a running tunnel', async () => {
    // How long a start-up takes here, to spread the grid over it (and a little past it).
    const t0 = Date.now();
    const stderr = await interruptOnce(
      'SIGTERM',
      (proc) =>
        proc
          .waitForOutput(/"message":"tunnel up"/, { timeoutMs: 15_000, stream: 'stderr' })
          .then(() => undefined),
      'SIGTERM once up',
    );
    assert.match(stderr, /"message":"tunnel down"/);
    const upMs = Math.max(200, Date.now() - t0);
    const points = 16;
    let sawStartupInterrupted = false;
    for (let i = 0; i < points; i++) {
      const delay = Math.round((i * upMs * 1.2) / (points - 1));
      const signal = i % 2 === 0 ? 'SIGINT' : 'SIGTERM';
      const out = await interruptOnce(
        signal,
        async (proc) => {
          // The first line of the CLI's main (before it, Node itself is starting and
          // nothing can have been configured).
          await proc.waitForOutput(/^slipstream: signals caught$/m, {
            timeoutMs: 15_000,
            stream: 'stderr',
          });
          await new Promise((r) => setTimeout(r, delay));
        },
        `${signal} after ${delay} ms`,
      );
      if (!/"message":"tunnel up"/.test(out)) sawStartupInterrupted = true;
    }
    // The grid must have hit start-up itself, not only the running tunnel.
    assert.ok(sawStartupInterrupted, 'no grid point fell inside start-up');
  });
});
