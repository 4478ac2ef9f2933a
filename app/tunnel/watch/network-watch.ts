/**
 * Tells the tunnel when the network under it changed, so it handshakes at
 * once instead of waiting up to 15 s for its timers to notice a dead path:
 *
 * - links, addresses and default routes, from `ip -o monitor` (see below);
 * - the end of a sleep, from systemd-logind's PrepareForSleep(false) signal
 *   (`gdbus monitor` on the system bus, where there is one), and from the
 *   wall clock running ahead of the monotonic clock (clock-jump.ts), which
 *   needs nothing but works only once the process runs again.
 *
 * Changes come in bursts (a Wi-Fi roam is a link, two addresses and a route),
 * so they are debounced: one call DEBOUNCE_MS after the last of a burst, and
 * no later than MAX_DELAY_MS after its first.
 *
 * Why `ip monitor` as a child and not an RTNLGRP socket in the addon: it runs
 * in the process's network namespace like the addon would, iproute2 is already
 * required, a tool that dies costs a log line and a restart instead of
 * native code on the thread that carries the packets, and we need to know only
 * *that* something changed, which its one-line output says plainly. The cost
 * is one process per tunnel (about 1 MB), and events in the moment before it
 * subscribes are missed (the tunnel is already up then).
 */
import type { Logger } from '../../log/logger.js';
import { findExecutable } from '../../platform/linux/exec.js';
import { clockJump, type ClockSample } from './clock-jump.js';
import { startLineProcess, type LineProcess } from './line-process.js';
import { NetlinkChangeFilter } from './netlink-changes.js';

export const DEBOUNCE_MS = 250;
const MAX_DELAY_MS = 1000;
const RESTART_MS = 5000;
const CLOCK_SAMPLE_MS = 2000;
const SLEEP_SIGNAL = /org\.freedesktop\.login1\.Manager\.PrepareForSleep \((true|false),?\)/;

export interface NetworkWatchOptions {
  /** The tunnel's own interface: changes to it are not changes of the network. */
  ownInterface: string;
  log: Logger;
  onChange: (reasons: string[]) => void;
}

export interface NetworkWatch {
  stop(): void;
}

export function watchNetwork(options: NetworkWatchOptions): NetworkWatch {
  const { log } = options;
  let stopped = false;
  let pending: string[] = [];
  let firstAt = 0;
  let timer: NodeJS.Timeout | null = null;
  const fire = () => {
    timer = null;
    const reasons = pending;
    pending = [];
    if (!stopped && reasons.length > 0) options.onChange(reasons);
  };
  const changed = (reason: string) => {
    if (stopped) return;
    const now = performance.now();
    if (pending.length === 0) firstAt = now;
    if (pending.length < 16) pending.push(reason);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(DEBOUNCE_MS, firstAt + MAX_DELAY_MS - now)));
  };

  const children: LineProcess[] = [];
  const restarts = new Set<NodeJS.Timeout>();
  const run = (name: string, args: string[], onLine: (line: string) => void, restart: boolean) => {
    void findExecutable(name).then((file) => {
      if (stopped) return;
      if (!file) {
        log.info(`${name} not found; not watching what it reports`, { tool: name });
        return;
      }
      const child = startLineProcess(file, args, onLine, (why, interrupted) => {
        if (stopped) return;
        // Ctrl-C reaches our whole process group: the tunnel itself is about to stop.
        if (interrupted) {
          log.debug('network watcher interrupted', { tool: name, problem: why });
          return;
        }
        if (!restart) {
          log.info(`${name} is not available; not watching what it reports`, { problem: why });
          return;
        }
        log.warn('network watcher stopped; starting it again', { tool: name, problem: why });
        const t = setTimeout(() => {
          restarts.delete(t);
          run(name, args, onLine, restart);
        }, RESTART_MS);
        restarts.add(t);
      });
      children.push(child);
    });
  };

  if (process.platform === 'linux') {
    const filter = new NetlinkChangeFilter(options.ownInterface);
    run(
      'ip',
      ['-o', 'monitor', 'link', 'address', 'route'],
      (line) => {
        const change = filter.classify(line);
        if (change) changed(change);
      },
      true,
    );
    // No system bus (containers, minimal servers) is normal: the clock still tells a sleep.
    run(
      'gdbus',
      [
        'monitor',
        '--system',
        '--dest',
        'org.freedesktop.login1',
        '--object-path',
        '/org/freedesktop/login1',
      ],
      (line) => {
        const m = SLEEP_SIGNAL.exec(line);
        if (m?.[1] === 'false') changed('resumed from sleep');
        else if (m?.[1] === 'true') log.info('the system is going to sleep');
      },
      false,
    );
  }

  let last: ClockSample = { wall: Date.now(), mono: performance.now() };
  const clock = setInterval(() => {
    const now = { wall: Date.now(), mono: performance.now() };
    const jump = clockJump(last, now);
    last = now;
    if (jump !== 0)
      changed(`wall clock jumped ${Math.round(jump / 1000)} s (sleep or time change)`);
  }, CLOCK_SAMPLE_MS);
  clock.unref();

  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(clock);
      if (timer) clearTimeout(timer);
      for (const t of restarts) clearTimeout(t);
      for (const c of children) c.stop();
    },
  };
}
