/**
 * A signed-in session while it is in use: keeps the access token fresh
 * (refreshing ~60 s, or 20 % of its lifetime if shorter, before it expires),
 * polls the device every 60 s as the API asks, and ends the session when the
 * portal or provider says it is over. Ending (expired, revoked, forbidden)
 * wipes the stored session: none of it is usable any more.
 *
 * Transient failures (portal or provider unreachable) never end a session: the
 * WireGuard keys keep working without tokens, so the tunnel stays up and the
 * session retries.
 */
import { EventEmitter } from 'node:events';
import type { WgQuickConfig } from '../config/types.js';
import { deviceConfig } from './device-config.js';
import type { Device } from './device-schema.js';
import {
  DeviceRemovedError,
  ForbiddenError,
  InvalidTokenError,
  SessionExpiredError,
  SigninError,
} from './errors.js';
import type { FetchLike } from './http.js';
import { ProvisioningApi } from './provisioning.js';
import type { SecretStore } from './secret-store.js';
import { addSessionSecrets, type SigninLogger } from './signin-logger.js';
import type { StoredSession } from './stored-session.js';
import { oidcAuthority, type TokenAuthority } from './token-authority.js';

export type EndReason = 'expired' | 'revoked' | 'forbidden';

export const END_MESSAGES: Readonly<Record<EndReason, string>> = {
  expired: 'Your session has expired. Please sign in again.',
  revoked: 'This device was removed on the portal.',
  forbidden: 'Your account is not allowed to use this VPN.',
};

export interface Timer {
  cancel(): void;
}
export type SetTimer = (fn: () => void, ms: number) => Timer;

export interface PortalSessionDeps {
  log: SigninLogger;
  store: SecretStore;
  fetch?: FetchLike;
  /** Milliseconds since the epoch. */
  now?: () => number;
  setTimer?: SetTimer;
  /** How often the device is checked; default 60 s (PROVISIONING-API.md §3). */
  pollIntervalMs?: number;
  /** Wait before retrying a refresh that failed for a transient reason; default 30 s. */
  retryDelayMs?: number;
  /** The provider side; default: openid-client against the session's issuer. */
  authority?: TokenAuthority;
}

export interface SignOutReport {
  /** The device is gone from the portal (or already was). */
  deviceRemoved: boolean;
  /** The refresh token was revoked at the provider. */
  revoked: boolean;
  /** Local secrets were deleted. */
  wiped: boolean;
  /** One sentence per step that failed. */
  problems: string[];
}

export interface PortalSessionEvents {
  /** Tokens rotated or tunnel settings changed; already saved to the store. */
  changed: [session: StoredSession];
  /** The session is over; the store was cleared. `message` is for the user. */
  ended: [reason: EndReason, message: string];
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const REFRESH_MARGIN_MS = 60_000;

const defaultSetTimer: SetTimer = (fn, ms) => {
  const handle = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
};

export class PortalSession extends EventEmitter<PortalSessionEvents> {
  private current: StoredSession;
  private readonly log: SigninLogger;
  private readonly store: SecretStore;
  private readonly now: () => number;
  private readonly setTimer: SetTimer;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly authority: TokenAuthority;
  private readonly api: ProvisioningApi;
  /** Lifetime of the current access token when it was obtained (or loaded). */
  private lifetimeMs: number;
  private refreshTimer: Timer | null = null;
  private pollTimer: Timer | null = null;
  private refreshing: Promise<void> | null = null;
  private running = false;
  private signingOut = false;
  private endedReason: EndReason | null = null;
  private cachedConfig: { tunnel: string; config: WgQuickConfig } | null = null;

  constructor(session: StoredSession, deps: PortalSessionDeps) {
    super();
    this.current = structuredClone(session);
    this.log = deps.log;
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? defaultSetTimer;
    this.pollIntervalMs = deps.pollIntervalMs ?? 60_000;
    this.retryDelayMs = deps.retryDelayMs ?? 30_000;
    const net = deps.fetch ? { fetch: deps.fetch } : {};
    this.authority =
      deps.authority ?? oidcAuthority(session.issuer, session.clientId, { ...net, now: this.now });
    this.api = new ProvisioningApi(session.api, net);
    this.lifetimeMs = Math.max(0, session.tokens.expiresAt - this.now());
    addSessionSecrets(this.log, this.current);
  }

  /** A copy of the session as it is now (for the UI or a store). */
  get session(): StoredSession {
    return structuredClone(this.current);
  }

  /** Why the session ended, or null while it is usable. */
  get ended(): EndReason | null {
    return this.endedReason;
  }

  /** The tunnel configuration, parsed like an imported wg-quick file. */
  config(): WgQuickConfig {
    const tunnel = JSON.stringify(this.current.tunnel);
    if (this.cachedConfig?.tunnel !== tunnel) {
      const config = deviceConfig(
        this.current.tunnel,
        this.current.privateKey,
        `portal profile ${new URL(this.current.portalUrl).host}`,
      );
      this.cachedConfig = { tunnel, config };
    }
    return this.cachedConfig.config;
  }

  /** When the next refresh is due: ~60 s before expiry, or 20 % of the lifetime if shorter. */
  refreshDueAt(): number {
    const margin = Math.min(REFRESH_MARGIN_MS, this.lifetimeMs * 0.2);
    return this.current.tokens.expiresAt - margin;
  }

  /** Refreshes now if the access token is due; throws like refresh(). */
  async refreshIfNeeded(): Promise<void> {
    if (this.now() >= this.refreshDueAt()) await this.refresh();
  }

  /**
   * Gets new tokens and saves them. Throws SessionExpiredError (after ending
   * the session) when the provider no longer accepts the refresh token, or a
   * SigninError for transient failures.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Reads the device from the portal (refreshing once on a 401). Ends the
   * session on 404 (revoked), 403 (forbidden) or a 401 a refresh cannot fix.
   */
  async checkDevice(): Promise<Device> {
    let device: Device;
    try {
      device = await this.getDevice();
    } catch (err) {
      throw await this.fatal(err);
    }
    const tunnel = JSON.stringify(device.tunnel);
    if (
      tunnel !== JSON.stringify(this.current.tunnel) ||
      device.name !== this.current.device.name
    ) {
      // Applies at the next connect; a running tunnel keeps its settings.
      this.log.info('the portal changed this device; the change applies at the next connect', {
        device: device.id,
      });
      this.current.tunnel = device.tunnel;
      this.current.device.name = device.name;
      await this.persist();
    }
    return device;
  }

  /** Starts refreshing and polling in the background. */
  start(): void {
    if (this.running || this.endedReason || this.signingOut) return;
    this.running = true;
    this.scheduleRefresh(this.refreshDueAt() - this.now());
    this.schedulePoll();
  }

  /** Stops the background work; the session stays signed in. */
  stop(): void {
    this.running = false;
    this.refreshTimer?.cancel();
    this.pollTimer?.cancel();
    this.refreshTimer = null;
    this.pollTimer = null;
  }

  /**
   * Removes the device from the portal, revokes the refresh token and wipes the
   * store. Every step is attempted whatever happened to the others; local
   * secrets are always wiped. The device goes first: revoking the grant also
   * invalidates the access token at many providers, and the DELETE needs it.
   */
  async signOut(): Promise<SignOutReport> {
    this.stop();
    // A refresh failing on the way out must not also report the session as "ended".
    this.signingOut = true;
    const report: SignOutReport = {
      deviceRemoved: false,
      revoked: false,
      wiped: false,
      problems: [],
    };
    const device = this.current.device;
    try {
      // A refresh already under way rotates the refresh token; sending the old one again
      // would look like replay to the provider. Wait for it, then refresh only if still due.
      await this.refreshing?.catch(() => undefined);
      if (this.now() >= this.current.tokens.expiresAt) await this.doRefresh(false);
      await this.withFreshToken((token) => this.api.deleteDevice(token, device.id));
      report.deviceRemoved = true;
    } catch (err) {
      report.problems.push(
        `This device could not be removed from the portal (${sentence(err)}); remove "${device.name}" there by hand.`,
      );
    }
    try {
      await this.authority.revoke(this.current.tokens.refresh);
      report.revoked = true;
    } catch (err) {
      report.problems.push(`The sign-in could not be revoked at the provider (${sentence(err)}).`);
    }
    try {
      await this.store.clear();
      report.wiped = true;
    } catch (err) {
      report.problems.push(sentence(err));
    }
    for (const problem of report.problems) this.log.warn(problem);
    return report;
  }

  private async doRefresh(endOnExpiry = true): Promise<void> {
    let tokens;
    try {
      tokens = await this.authority.refresh(this.current.tokens.refresh);
    } catch (err) {
      if (err instanceof SessionExpiredError && endOnExpiry) await this.end('expired');
      throw err;
    }
    this.log.addSecret(tokens.access);
    this.log.addSecret(tokens.refresh);
    this.current.tokens = tokens;
    this.lifetimeMs = Math.max(0, tokens.expiresAt - this.now());
    this.log.debug('access token refreshed', {
      expiresAt: new Date(tokens.expiresAt).toISOString(),
    });
    await this.persist();
    if (this.running) this.scheduleRefresh(this.refreshDueAt() - this.now());
  }

  private getDevice(): Promise<Device> {
    return this.withFreshToken((token) => this.api.getDevice(token, this.current.device.id));
  }

  /** Runs `call` with the access token; on a 401, refreshes once and tries again. */
  private async withFreshToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = this.current.tokens.access;
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      // A refresh that finished while the call was under way already fixed it.
      if (this.current.tokens.access === token) await this.refresh();
      return call(this.current.tokens.access);
    }
  }

  /** Ends the session for errors that mean it is over; returns the error to rethrow. */
  private async fatal(err: unknown): Promise<unknown> {
    if (err instanceof DeviceRemovedError) await this.end('revoked');
    else if (err instanceof ForbiddenError) await this.end('forbidden');
    else if (err instanceof InvalidTokenError || err instanceof SessionExpiredError) {
      await this.end('expired');
      return err instanceof SessionExpiredError ? err : new SessionExpiredError();
    }
    return err;
  }

  private async end(reason: EndReason): Promise<void> {
    if (this.endedReason || this.signingOut) return;
    this.endedReason = reason;
    this.stop();
    try {
      await this.store.clear();
    } catch (err) {
      this.log.warn('could not delete the ended session', { error: sentence(err) });
    }
    this.log.warn('session ended', { reason });
    this.emit('ended', reason, END_MESSAGES[reason]);
  }

  private async persist(): Promise<void> {
    // Work that was under way when the session ended or signed out must not bring its
    // secrets back into a store that was just wiped.
    if (this.endedReason || this.signingOut) return;
    try {
      await this.store.save(this.current);
    } catch (err) {
      // The running session stays valid in memory; only the next start would need to sign in.
      this.log.warn('could not save the session', { error: sentence(err) });
    }
    this.emit('changed', this.session);
  }

  private scheduleRefresh(delayMs: number): void {
    this.refreshTimer?.cancel();
    this.refreshTimer = this.setTimer(
      () => {
        this.refreshTimer = null;
        if (!this.running) return;
        this.refresh().catch((err: unknown) => {
          if (this.endedReason || !this.running) return;
          this.log.warn('token refresh failed; retrying', { error: sentence(err) });
          this.scheduleRefresh(this.retryDelayMs);
        });
      },
      Math.max(0, delayMs),
    );
  }

  private schedulePoll(): void {
    this.pollTimer = this.setTimer(() => {
      this.pollTimer = null;
      if (!this.running) return;
      this.checkDevice()
        .catch((err: unknown) => {
          if (!this.endedReason)
            this.log.warn('could not check the device', { error: sentence(err) });
        })
        .finally(() => {
          if (this.running) this.schedulePoll();
        });
    }, this.pollIntervalMs);
  }
}

/** The user-facing text of an error, without a trailing period (for embedding). */
function sentence(err: unknown): string {
  const text = err instanceof SigninError ? err.message : 'an unexpected error';
  return text.replace(/\.$/, '');
}
