/**
 * The main process's logic, independent of Electron (see core-api.ts): the
 * link to the helper, the user's settings, main's own log, and one
 * dispatcher for every command of the IPC schema. Helper commands are
 * forwarded (the helper validates them again); the rest are answered here.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, IpcError, type Transport } from '../../ipc/client.js';
import {
  helperCommandNames,
  type EventName,
  type HelperCommandName,
  type ProfileSummary,
  type TunnelState,
} from '../../ipc/schema.js';
import { CommandError, createDispatcher, type Handlers } from '../../ipc/server.js';
import { exportLogsZip } from '../log/export-zip.js';
import { logDirectory as defaultLogDirectory, logFile } from '../log/location.js';
import { LogService } from '../log/log-service.js';
import { createLogger, fileSink, type RootLogger } from '../log/logger.js';
import type { EventListener, MainCore, ShellServices } from './core-api.js';
import { ensureHelper, type HelperEndpoint, type HelperLaunchOptions } from './helper-launcher.js';
import { linkToHelper } from './helper-link.js';
import { DeepLinkInbox } from '../signin/deep-link-inbox.js';
import { EncryptedFileStore } from '../signin/secret-store.js';
import { Account } from './account.js';
import { helperLogChunks } from './helper-log-stream.js';
import { logCommands } from './log-commands.js';
import { SettingsStore } from './settings-store.js';

export interface MainCoreOptions {
  services: ShellServices;
  /** The user's app data: settings (and, for a child helper, its profiles). */
  userDataDir: string;
  /** Default: the OS's per-user log location (app/log/location.ts). */
  logDirectory?: string;
  /** Where exported log zips go. Default: ~/Downloads if it exists, else userDataDir. */
  exportDirectory?: string;
  /** How to start a helper when no system service answers. */
  helper?: Partial<HelperLaunchOptions>;
  /** How often a signed-in device is checked on the portal (ms); default 60 s. */
  portalPollMs?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startMainCore(options: MainCoreOptions): Promise<MainCore> {
  const logDir =
    options.logDirectory ?? defaultLogDirectory(process.platform, process.env, os.homedir());
  await mkdir(options.userDataDir, { recursive: true, mode: 0o700 });
  const { store: settings, problem } = await SettingsStore.open(options.userDataDir);
  const log: RootLogger = createLogger({
    level: settings.value.logLevel,
    target: 'main',
    sinks: [fileSink(logFile(logDir, 'main', process.platform))],
  });
  if (problem) log.warn('settings file unusable; using defaults', { problem });
  log.info('starting', { shell: options.services.shell, version: options.services.version });

  const listeners = new Set<EventListener>();
  const changeListeners = new Set<() => void>();
  const emit: EventListener = (event, payload) => {
    for (const l of listeners) l(event, payload);
  };
  const changed = () => {
    for (const l of changeListeners) l();
  };

  let helper: HelperEndpoint;
  try {
    helper = await ensureHelper({
      entry: path.resolve(here, '..', 'helper', 'main.js'),
      execPath: process.execPath,
      stateDir: path.join(options.userDataDir, 'profiles'),
      logDir,
      logLevel: settings.value.logLevel,
      onStderr: (line) => log.warn('helper says', { line }),
      ...options.helper,
    });
  } catch (err) {
    log.error('no helper', { error: err });
    await log.flush();
    throw err;
  }
  log.info('helper found', { how: helper.how });

  let state: TunnelState = { status: 'disconnected', profileId: null };
  let profiles: ProfileSummary[] = [];
  const setState = (next: TunnelState) => {
    state = next;
    emit('state', next);
    changed();
  };

  let restored = false;
  const link = linkToHelper(helper.socketPath, {
    trustedOwner: helper.trustedOwner,
    onStatus: (connected, reason) => {
      if (connected) {
        log.info('connected to the helper');
        void refresh().then(() => {
          // The stored sign-in needs the helper (its profile lives there): once, at the first link.
          if (!restored) {
            restored = true;
            void account.restore().catch((err: unknown) => {
              log.warn('could not restore the sign-in', { error: err });
            });
          }
        });
      } else {
        log.warn('lost the helper', { reason });
        setState({
          status: 'error',
          profileId: null,
          message: 'Lost contact with the Slipstream service; trying again…',
          retryable: false,
        });
      }
    },
  });
  const toHelper = createClient(link, (event) => log.warn('invalid event from helper', { event }));
  toHelper.on('state', (s) => setState(s));
  toHelper.on('logGrowth', (g) => emit('logGrowth', g));

  const refreshProfiles = async () => {
    profiles = (await toHelper.listProfiles({})).profiles;
    emit('profiles', { profiles });
    changed();
  };
  const deepLinks = options.services.receivesDeepLinks ? new DeepLinkInbox() : null;
  const account = new Account({
    ...(deepLinks ? { deepLinks } : {}),
    store:
      options.services.secretStore ??
      new EncryptedFileStore(path.join(options.userDataDir, 'account')),
    dataDir: options.userDataDir,
    helper: toHelper,
    log,
    ...(options.services.openExternal ? { openExternal: options.services.openExternal } : {}),
    notice: options.services.secretStoreNotice ?? null,
    ...(options.portalPollMs ? { sessionDeps: { pollIntervalMs: options.portalPollMs } } : {}),
    onState: (state) => {
      emit('account', state);
      // Signing in adds the account's profile and signing out removes it.
      if (state.status !== 'signing-in') void refreshProfiles().catch(() => {});
    },
  });
  async function refresh(): Promise<void> {
    try {
      setState(await toHelper.getState({}));
      await refreshProfiles();
    } catch (err) {
      log.warn('could not read the helper state', { error: err });
    }
  }

  // Forwarded commands keep the helper's own error code and sentence.
  const forward = <C extends HelperCommandName>(name: C): Handlers[C] =>
    (async (request: never) => {
      try {
        const call = toHelper[name] as (r: unknown) => Promise<unknown>;
        const value = await call(request);
        if (
          name === 'importProfile' ||
          name === 'renameProfile' ||
          name === 'removeProfile' ||
          name === 'setProfileSettings'
        )
          void refreshProfiles().catch(() => {});
        return value;
      } catch (err) {
        if (err instanceof IpcError) throw new CommandError(err.code, err.message);
        throw err;
      }
    }) as unknown as Handlers[C];

  const mainLogs = new LogService(logDir);
  mainLogs.watch((process, totalLines) => {
    if (process === 'main') emit('logGrowth', { process, totalLines });
  });

  const forwarded = Object.fromEntries(helperCommandNames.map((n) => [n, forward(n)])) as Pick<
    Handlers,
    HelperCommandName
  >;
  const handlers: Handlers = {
    ...forwarded,
    ...logCommands(mainLogs, forwarded),
    getAppInfo: () => ({
      version: options.services.version,
      platform: process.platform,
      logDirectory: logDir,
      shell: options.services.shell,
    }),
    getSettings: () => settings.value,
    setSettings: async (patch) => {
      const before = settings.value;
      const next = await settings.update(patch);
      if (next.logLevel !== before.logLevel) log.setLevel(next.logLevel);
      if (next.startAtLogin !== before.startAtLogin) {
        try {
          await options.services.setStartAtLogin?.(next.startAtLogin);
        } catch (err) {
          log.error('could not change start at login', { error: err });
          await settings.update({ startAtLogin: before.startAtLogin });
          throw new CommandError('failed', 'Could not change the start-at-login setting.');
        }
      }
      log.info('settings changed', { ...next });
      return next;
    },
    exportLogs: async () => {
      const dir =
        options.exportDirectory ??
        (existsSync(path.join(os.homedir(), 'Downloads'))
          ? path.join(os.homedir(), 'Downloads')
          : options.userDataDir);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const out = path.join(dir, `slipstream-logs-${stamp}.zip`);
      await log.flush();
      // A child helper logs next to main; the system helper's log only it can read.
      const streamed =
        helper.how === 'child' ? [] : [{ name: 'helper.jsonl', chunks: helperLogChunks(toHelper) }];
      await exportLogsZip(
        logDir,
        out,
        { version: options.services.version, platform: process.platform },
        streamed,
      );
      log.info('logs exported', { path: out });
      return { path: out };
    },
    openLogFolder: async () => {
      await options.services.openPath?.(logDir);
      return { path: logDir };
    },
    getAccount: () => account.state,
    signIn: ({ portalUrl }) => {
      if (account.state.status !== 'signed-out')
        throw new CommandError('busy', 'Sign out first, or cancel the sign-in under way.');
      account.signIn(portalUrl);
      return {};
    },
    cancelSignIn: () => {
      account.cancelSignIn();
      return {};
    },
    signOut: async () => {
      await account.signOut();
      return {};
    },
  };
  const dispatch = createDispatcher(handlers, (command, error) =>
    log.warn('command failed', { command, error: messageOf(error) }),
  );

  const local: Transport = {
    invoke: (command, payload) => dispatch(command, payload),
    subscribe: (event: EventName, listener) => {
      const l: EventListener = (e, payload) => {
        if (e === event) listener(payload);
      };
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };

  return {
    dispatch,
    client: createClient(local),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get state() {
      return state;
    },
    get profiles() {
      return profiles;
    },
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    logDirectory: logDir,
    handleDeepLink(url) {
      return deepLinks?.deliver(url) ?? false;
    },
    async close() {
      log.info('stopping');
      account.stop();
      mainLogs.close();
      link.close();
      await helper.stop();
      await log.flush();
    },
  };
}
