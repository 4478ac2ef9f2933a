/**
 * `slipstream down`: removes what runs that did not stop cleanly left in this
 * network namespace (a SIGKILL, a crash, a second Ctrl-C): routes, policy
 * rules, DNS, sysctls, the interface if it is still there, and the kill
 * switch, which by design keeps blocking until this (or a new `up`) runs.
 * Running tunnels are left alone: Ctrl-C is how they stop.
 */
import { loadAddon } from '../native/addon.js';
import { platform } from '../platform/index.js';
import type { DownCommand } from './args.js';
import { createCliLogger } from './logging.js';

export async function runDown(cmd: DownCommand): Promise<number> {
  const log = createCliLogger(cmd);
  const sys = platform();
  const addon = loadAddon();
  const cleaned = await sys.recoverStale(addon, undefined, { keepKillSwitch: false });
  let failed = false;
  for (const item of cleaned) {
    log.info('removed what an earlier run left', { ...item });
    for (const error of item.errors) {
      failed = true;
      process.stderr.write(`slipstream: ${item.ifname}: ${error}\n`);
    }
  }
  await log.flush();
  if (await sys.killSwitchActive()) {
    process.stderr.write(
      'slipstream: the kill switch is still on: a tunnel that is still running owns it ' +
        '(stop that `slipstream up` with Ctrl-C, or disconnect in the app)\n',
    );
    return 1;
  }
  if (failed) return 1;
  const undone = cleaned.reduce((n, c) => n + c.undone.length + (c.linkDeleted ? 1 : 0), 0);
  process.stdout.write(
    cleaned.length === 0
      ? 'Nothing to remove: no run left anything behind.\n'
      : `Removed what ${cleaned.length === 1 ? 'an earlier run' : `${cleaned.length} earlier runs`} left (${undone} changes).\n`,
  );
  return 0;
}
