/**
 * One tunnel on the machine at a time when one process serves several users
 * (the Windows service, served-users.ts): a user's tunnel start takes the
 * gate and its stop gives it back; another user's start while it is held
 * fails with a message the GUI shows, and their disconnect does not "clean
 * up" the routes, DNS or kill switch that are the holder's live tunnel.
 */
import type { StartTunnel } from './tunnel-controller.js';
import type { TunnelGate } from './served-users.js';

export const TUNNEL_TAKEN =
  "Another user's Slipstream tunnel is connected on this computer; it must disconnect first.";

export function gatedStartTunnel(start: StartTunnel, gate: TunnelGate, sid: string): StartTunnel {
  return async (config, options, log) => {
    if (!gate.acquire(sid)) throw new Error(TUNNEL_TAKEN);
    let tunnel;
    try {
      tunnel = await start(config, options, log);
    } catch (err) {
      gate.release(sid);
      throw err;
    }
    const running = tunnel;
    return {
      get ifname() {
        return running.ifname;
      },
      get listenPort() {
        return running.listenPort;
      },
      stats: () => running.stats(),
      probePeers: () => running.probePeers(),
      stop: async () => {
        try {
          await running.stop();
        } finally {
          gate.release(sid);
        }
      },
    };
  };
}

/** liftStale for a gated user: nothing while somebody else's tunnel is up. */
export function gatedLiftStale(
  lift: () => Promise<void>,
  gate: TunnelGate,
  sid: string,
): () => Promise<void> {
  return async () => {
    if (gate.holder !== null && gate.holder !== sid) return;
    await lift();
  };
}
