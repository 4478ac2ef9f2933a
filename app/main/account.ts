/**
 * The company account in the desktop app (issue 5): signing in through the
 * organisation's portal in the system browser, keeping the session fresh,
 * and turning the portal's tunnel settings into a profile the helper runs.
 *
 * The sign-in protocol is app/signin (shared with the CLI); this file only
 * decides what the app does around it: after sign-in the profile is made and
 * connected; when the session ends (expired, device removed on the portal,
 * sign-out) the tunnel goes down, the profile is deleted, and the user is told
 * why in one sentence.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Client } from '../../ipc/client.js';
import type { AccountState } from '../../ipc/schema.js';
import {
  type DeepLinkInbox,
  deviceToWgQuick,
  describeAccount,
  PortalSession,
  SigninError,
  signIn,
  type SecretStore,
  type SigninLogger,
  type StoredSession,
} from '../signin/index.js';

export interface AccountOptions {
  store: SecretStore;
  /** Where the non-secret link between the session and its profile is kept. */
  dataDir: string;
  helper: Client;
  log: SigninLogger;
  openExternal?: (url: string) => Promise<void>;
  notice?: string | null;
  onState: (state: AccountState) => void;
  /** Where slipstream:// links arrive, for the app-scheme redirect fallback. */
  deepLinks?: DeepLinkInbox;
  /** For tests: the portal session's timings. */
  sessionDeps?: { pollIntervalMs?: number };
}

const Link = z.object({ profileId: z.string().max(64), deviceId: z.string().max(200) });

function sentence(err: unknown): string {
  if (err instanceof SigninError) return err.message;
  return 'Sign-in failed. The app log has the details.';
}

export class Account {
  private current: AccountState = { status: 'signed-out', message: null };
  private session: PortalSession | null = null;
  private profileId: string | null = null;
  private pending: AbortController | null = null;
  private readonly linkFile: string;

  constructor(private readonly options: AccountOptions) {
    this.linkFile = path.join(options.dataDir, 'account.json');
  }

  get state(): AccountState {
    return this.current;
  }

  /** Picks up a stored session: refreshes it and checks the device before saying "signed in". */
  async restore(): Promise<void> {
    let stored: StoredSession | null;
    try {
      stored = await this.options.store.load();
    } catch (err) {
      this.options.log.warn('the stored sign-in could not be read', { error: err });
      this.set({ status: 'signed-out', message: sentence(err) });
      return;
    }
    if (!stored) return;
    const session = this.watch(stored);
    try {
      await session.refreshIfNeeded();
      await session.checkDevice();
    } catch (err) {
      // An ended session already reported itself (and cleaned up) through 'ended'.
      if (session.ended) return;
      // Offline at start-up: stay signed in; the session retries in the background.
      this.options.log.warn('could not reach the portal; will retry', { error: err });
    }
    this.profileId = await this.readLink(stored.device.id);
    if (this.profileId === null) this.profileId = await this.makeProfile(session);
    this.signedIn(session);
  }

  signIn(portalUrl: string): void {
    if (this.current.status !== 'signed-out') return;
    const abort = new AbortController();
    this.pending = abort;
    this.set({ status: 'signing-in', portalUrl, authorizationUrl: null });
    void (async () => {
      let stored: StoredSession;
      try {
        stored = await signIn(portalUrl, {
          log: this.options.log,
          signal: abort.signal,
          ...(this.options.deepLinks ? { deepLinks: this.options.deepLinks } : {}),
          openBrowser: async (url) => {
            this.set({ status: 'signing-in', portalUrl, authorizationUrl: url });
            await this.options.openExternal?.(url);
          },
        });
        await this.options.store.save(stored);
      } catch (err) {
        if (this.pending !== abort) return;
        this.pending = null;
        this.options.log.warn('sign-in failed', { error: err });
        this.set({ status: 'signed-out', message: sentence(err) });
        return;
      }
      this.pending = null;
      const session = this.watch(stored);
      try {
        this.profileId = await this.makeProfile(session);
      } catch (err) {
        this.options.log.error('could not make the profile for the portal', { error: err });
        await session.signOut();
        this.session = null;
        this.set({
          status: 'signed-out',
          message: 'Signed in, but the tunnel settings could not be used. Please try again.',
        });
        return;
      }
      this.signedIn(session);
      // Signing in is asking for the VPN: connect right away.
      await this.options.helper.connect({ profileId: this.profileId }).catch((err: unknown) => {
        this.options.log.warn('could not connect after sign-in', { error: err });
      });
    })();
  }

  cancelSignIn(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    pending.abort();
    this.set({ status: 'signed-out', message: null });
  }

  async signOut(): Promise<void> {
    this.cancelSignIn();
    const session = this.session;
    if (!session) return;
    this.session = null;
    await this.dropProfile();
    const report = await session.signOut();
    this.set({
      status: 'signed-out',
      message: report.problems.length ? report.problems.join(' ') : null,
    });
  }

  /** Stops background refreshes (app quitting); the sign-in stays stored. */
  stop(): void {
    this.pending?.abort();
    this.session?.stop();
  }

  private watch(stored: StoredSession): PortalSession {
    const session = new PortalSession(stored, {
      log: this.options.log,
      store: this.options.store,
      ...this.options.sessionDeps,
    });
    session.on('ended', (_reason, message) => {
      if (this.session !== session) return;
      this.session = null;
      void this.dropProfile().finally(() => this.set({ status: 'signed-out', message }));
    });
    this.session = session;
    return session;
  }

  private signedIn(session: PortalSession): void {
    const s = session.session;
    session.start();
    this.set({
      status: 'signed-in',
      portalUrl: s.portalUrl,
      user: describeAccount(s.account).slice(0, 200),
      device: s.device.name.slice(0, 200),
      profileId: this.profileId,
      notice: this.options.notice ?? null,
    });
  }

  /** The portal's settings as a profile in the helper (which keeps the key root-only). */
  private async makeProfile(session: PortalSession): Promise<string> {
    const s = session.session;
    const host = new URL(s.portalUrl).host;
    const result = await this.options.helper.importProfile({
      fileName: `${host}.conf`,
      text: deviceToWgQuick(s.tunnel, s.privateKey),
    });
    if (!result.ok) throw new Error(`portal settings refused: ${result.problems[0]?.message}`);
    await this.options.helper.renameProfile({
      profileId: result.profile.id,
      name: `${host} (company account)`,
    });
    await writeFile(
      this.linkFile,
      JSON.stringify({ profileId: result.profile.id, deviceId: s.device.id }),
      { mode: 0o600 },
    );
    return result.profile.id;
  }

  /** Takes the tunnel down if it runs the account's profile, then deletes that profile. */
  private async dropProfile(): Promise<void> {
    const id = this.profileId;
    this.profileId = null;
    await rm(this.linkFile, { force: true });
    if (!id) return;
    try {
      const state = await this.options.helper.getState({});
      if (state.status !== 'signed-out' && state.profileId === id)
        await this.options.helper.disconnect({});
      await this.options.helper.removeProfile({ profileId: id });
    } catch (err) {
      this.options.log.warn('could not remove the account profile', { error: err });
    }
  }

  private async readLink(deviceId: string): Promise<string | null> {
    try {
      const link = Link.parse(JSON.parse(await readFile(this.linkFile, 'utf8')));
      if (link.deviceId !== deviceId) return null;
      const { profiles } = await this.options.helper.listProfiles({});
      return profiles.some((p) => p.id === link.profileId) ? link.profileId : null;
    } catch {
      return null;
    }
  }

  private set(state: AccountState): void {
    this.current = state;
    this.options.onState(state);
  }
}
