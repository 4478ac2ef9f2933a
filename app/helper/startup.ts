/**
 * Always-on: when "Connect at startup" is on, the helper brings the last
 * profile the user connected back up as soon as it runs (at boot, as a
 * service), before and without any GUI. A GUI that attaches later asks for
 * the state and shows the tunnel like one it started itself.
 */
import type { Logger } from '../log/logger.js';
import { ProfileNotFound, type ProfileStore } from './profile-store.js';
import type { StartupStore } from './startup-store.js';
import type { TunnelController } from './tunnel-controller.js';

export async function connectAtStartup(
  startup: StartupStore,
  profiles: ProfileStore,
  tunnel: TunnelController,
  log: Logger,
  bootId: string | null = null,
): Promise<void> {
  // A helper that stopped while the user wanted the tunnel (resume mark, same boot)
  // comes first: its kill switch has been blocking since, waiting for this.
  const resumed = startup.resumeProfile(bootId);
  const profileId = resumed ?? startup.startupProfile;
  // Used once (or stale, from another boot): gone either way.
  await startup.setResume(null).catch((err: unknown) => {
    log.warn('could not clear the resume mark', { error: err });
  });
  if (profileId === null) return;
  try {
    const { config, settings } = await profiles.get(profileId);
    log.info(resumed !== null ? 'resuming after a helper restart' : 'connecting at startup', {
      profileId,
    });
    await tunnel.connect(profileId, config, settings);
  } catch (err) {
    if (err instanceof ProfileNotFound) {
      log.warn('the profile to connect at startup is gone; staying disconnected', { profileId });
      return;
    }
    log.error('could not connect at startup', { profileId, error: err });
  }
}
