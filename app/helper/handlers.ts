/**
 * The helper's answers to the IPC commands it owns (ipc/schema.ts
 * `helperCommandNames`): the tunnel, the profiles with their keys, and its
 * own log. Everything else is the GUI's business.
 */
import type { HelperCommandName, LogSource } from '../../ipc/schema.js';
import { CommandError, type Handlers } from '../../ipc/server.js';
import type { LogService } from '../log/log-service.js';
import type { Logger } from '../log/logger.js';
import { attachState } from './attach-state.js';
import { ProfileNotFound, type ProfileStore } from './profile-store.js';
import type { StartupStore } from './startup-store.js';
import type { TunnelController } from './tunnel-controller.js';

/**
 * The helper reads only its own log: main's is the GUI's to read, and the
 * helper is root, which must not read files the user's directory points at.
 */
function ownLog<R extends { source: LogSource }>(request: R): R {
  if (request.source !== 'helper') {
    throw new CommandError('invalid-request', 'The service reads only its own log.');
  }
  return request;
}

export function helperHandlers(
  profiles: ProfileStore,
  tunnel: TunnelController,
  logs: LogService,
  log: Logger,
  startup: StartupStore,
  /** Whether a kill switch blocks now (the platform's answer); absent = never. */
  killSwitchActive: () => Promise<boolean> = async () => false,
): Pick<Handlers, HelperCommandName> {
  const known = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof ProfileNotFound) throw new CommandError('not-found', err.message);
      throw err;
    }
  };
  const inUse = (profileId: string) => {
    const s = tunnel.state;
    return s.status !== 'signed-out' && s.status !== 'disconnected' && s.status !== 'error'
      ? s.profileId === profileId
      : false;
  };
  return {
    // Asked on every (re)attach: a block left by an earlier run shows there (attach-state.ts).
    getState: async () => {
      const state = tunnel.state;
      if (state.status !== 'disconnected') return state;
      const blocking = await killSwitchActive().catch((err: unknown) => {
        log.warn('could not tell whether a kill switch blocks', { error: err });
        return false;
      });
      // Changed meanwhile (a connect): the newer state is the answer.
      return tunnel.state === state ? attachState(state, blocking) : tunnel.state;
    },
    connect: ({ profileId }) =>
      known(async () => {
        const { config, settings } = await profiles.get(profileId);
        // "Connect at startup" brings back the profile the user last asked for.
        await startup.rememberProfile(profileId).catch((err: unknown) => {
          log.warn('could not remember the profile for connecting at startup', { error: err });
        });
        // Not awaited to completion: the answer is "accepted"; progress comes as state events.
        tunnel.connect(profileId, config, settings).catch((err: unknown) => {
          log.error('connect failed unexpectedly', { error: err });
        });
        return {};
      }),
    disconnect: async () => {
      await tunnel.disconnect();
      return {};
    },
    dismissError: () => {
      tunnel.dismiss();
      return {};
    },
    listProfiles: async () => ({ profiles: await profiles.list() }),
    importProfile: ({ fileName, text }) => profiles.import(fileName, text),
    renameProfile: ({ profileId, name }) =>
      known(async () => {
        await profiles.rename(profileId, name);
        return {};
      }),
    removeProfile: ({ profileId }) =>
      known(async () => {
        if (inUse(profileId))
          throw new CommandError('busy', 'Disconnect before deleting this profile.');
        await profiles.remove(profileId);
        return {};
      }),
    setProfileSettings: ({ profileId, settings }) =>
      known(async () => {
        const updated = await profiles.setSettings(profileId, settings);
        log.info('profile settings changed', { profileId, ...updated.settings });
        return updated;
      }),
    readLogs: (request) => logs.readLogs(ownLog(request)),
    countLogs: (request) => logs.countLogs(ownLog(request)),
    cancelLogSearch: (request) => logs.cancelLogSearch(request),
    findLogTime: (request) => logs.findLogTime(ownLog(request)),
    getHelperSettings: () => startup.settings,
    setHelperSettings: async (patch) => {
      const next = await startup.update(patch);
      log.info('service settings changed', { ...next });
      return next;
    },
  };
}
