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
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Client } from '../../ipc/client.js';
import type { AccountState } from '../../ipc/schema.js';
import {
  type DeepLinkInbox,
  deviceToWgQuick,
  describeAccount,
  MemoryStore,
  PortalSession,
  SigninError,
  signIn,
  type SecretStore,
  type SigninLogger,
  type StoredSession,
} from '../signin/index.js';
import type { PortalSessionDeps } from '../signin/portal-session.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

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
  /** For tests: the portal session's timings, clock and provider. */
  sessionDeps?: Partial<
    Pick<
      PortalSessionDeps,
      'pollIntervalMs' | 'retryDelayMs' | 'authority' | 'fetch' | 'now' | 'setTimer'
    >
  >;
}

const Link = z.object({ profileId: z.string().max(64), deviceId: z.string().max(200) });

function endOf(stored: StoredSession): number | null {
  const end = stored.tokens.sessionEndsAt;
  return end === undefined ? null : Math.max(0, Math.round(end));
}

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
    if (this.current.status !== 'signed-out' || this.session) return;
    let stored: StoredSession | null;
    try {
      stored = await this.options.store.load();
    } catch (err) {
      this.options.log.warn('the stored sign-in could not be read', { error: err });
      await this.dropProfile();
      this.set({ status: 'signed-out', message: sentence(err) });
      return;
    }
    if (!stored || this.current.status !== 'signed-out') return;
    // The profile first: if the session turns out to have ended, its profile goes with it.
    this.profileId = await this.readLink(stored.device.id);
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
    if (this.session !== session) return;
    if (this.profileId === null) {
      const profileId = await this.makeProfile(session);
      if (this.session !== session) return void (await this.removeProfile(profileId));
      this.profileId = profileId;
    }
    this.signedIn(session);
  }

  signIn(portalUrl: string): void {
    if (this.current.status !== 'signed-out') return;
    const abort = new AbortController();
    this.pending = abort;
    // Cancel (or a newer sign-in) can come at any await below; each step checks.
    const wanted = () => this.pending === abort && !abort.signal.aborted;
    this.set({ status: 'signing-in', portalUrl, authorizationUrl: null });
    void (async () => {
      let stored: StoredSession;
      try {
        stored = await signIn(portalUrl, {
          log: this.options.log,
          signal: abort.signal,
          ...(this.options.deepLinks ? { deepLinks: this.options.deepLinks } : {}),
          openBrowser: async (url) => {
            if (!wanted()) return;
            this.set({ status: 'signing-in', portalUrl, authorizationUrl: url });
            await this.options.openExternal?.(url);
          },
        });
      } catch (err) {
        if (!wanted()) return;
        this.pending = null;
        this.options.log.warn('sign-in failed', { error: err });
        this.set({ status: 'signed-out', message: sentence(err) });
        return;
      }
      if (!wanted()) return void (await this.withdraw(stored));
      try {
        await this.options.store.save(stored);
      } catch (err) {
        this.options.log.error('could not store the sign-in', { error: err });
        await this.withdraw(stored);
        if (!wanted()) return;
        this.pending = null;
        this.set({ status: 'signed-out', message: sentence(err) });
        return;
      }
      if (!wanted()) {
        await this.options.store.clear().catch(() => undefined);
        return void (await this.withdraw(stored));
      }
      this.pending = null;
      const session = this.watch(stored);
      let profileId: string;
      try {
        profileId = await this.makeProfile(session);
      } catch (err) {
        this.options.log.error('could not make the profile for the portal', { error: err });
        if (this.session !== session) return;
        this.session = null;
        await session.signOut();
        this.set({
          status: 'signed-out',
          message: 'Signed in, but the tunnel settings could not be used. Please try again.',
        });
        return;
      }
      // Signed out (or the session ended) while the profile was being made.
      if (this.session !== session) return void (await this.removeProfile(profileId));
      this.profileId = profileId;
      this.signedIn(session);
      // Signing in is asking for the VPN: connect right away.
      await this.options.helper.connect({ profileId }).catch((err: unknown) => {
        this.options.log.warn('could not connect after sign-in', { error: err });
      });
    })().catch((err: unknown) => {
      this.options.log.error('sign-in failed unexpectedly', { error: err });
    });
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
    // A renewal moves the sign-in's end (where the provider tells it): the UI and the
    // notifications follow.
    session.on('changed', (stored) => {
      const now = this.current;
      if (this.session !== session || now.status !== 'signed-in') return;
      const expiresAt = endOf(stored);
      if (now.expiresAt !== expiresAt) this.set({ ...now, expiresAt });
    });
    session.on('ended', (_reason, message) => {
      if (this.session !== session) return;
      this.session = null;
      void this.dropProfile().then(() => this.set({ status: 'signed-out', message }));
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
      expiresAt: endOf(s),
    });
  }

  /** Undoes a sign-in nobody wants any more: device off the portal, tokens revoked. */
  private async withdraw(stored: StoredSession): Promise<void> {
    const session = new PortalSession(stored, { log: this.options.log, store: new MemoryStore() });
    await session.signOut().catch((err: unknown) => {
      this.options.log.warn('could not withdraw a cancelled sign-in', { error: err });
    });
  }

  /** The portal's settings as a profile in the helper (which keeps the key root-only). */
  private async makeProfile(session: PortalSession): Promise<string> {
    const s = session.session;
    const host = new URL(s.portalUrl).host;
    const result = await this.options.helper.importProfile({
      // The file name becomes the profile's name.
      fileName: `${host} (company account).conf`,
      text: deviceToWgQuick(s.tunnel, s.privateKey),
    });
    if (!result.ok) throw new Error(`portal settings refused: ${result.problems[0]?.message}`);
    try {
      await writeFileAtomic(
        this.linkFile,
        JSON.stringify({ profileId: result.profile.id, deviceId: s.device.id }),
      );
    } catch (err) {
      await this.removeProfile(result.profile.id);
      throw err;
    }
    return result.profile.id;
  }

  /** Takes the tunnel down if it runs the account's profile, then deletes that profile. */
  private async dropProfile(): Promise<void> {
    const id = this.profileId ?? (await this.readLink(null));
    this.profileId = null;
    await rm(this.linkFile, { force: true }).catch(() => undefined);
    if (id) await this.removeProfile(id);
  }

  private async removeProfile(id: string): Promise<void> {
    try {
      const state = await this.options.helper.getState({});
      if (state.status !== 'signed-out' && state.profileId === id)
        await this.options.helper.disconnect({});
      await this.options.helper.removeProfile({ profileId: id });
    } catch (err) {
      this.options.log.warn('could not remove the account profile', { error: err });
    }
  }

  /** The account's profile from the link file: for `deviceId`, or whichever (null). */
  private async readLink(deviceId: string | null): Promise<string | null> {
    try {
      const link = Link.parse(JSON.parse(await readFile(this.linkFile, 'utf8')));
      if (deviceId !== null && link.deviceId !== deviceId) return null;
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
