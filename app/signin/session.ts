/**
 * The whole sign-in (PROVISIONING-API.md §1-3): portal discovery, OpenID
 * Connect in the browser, a key pair made here, the public key registered as
 * this device. The result is everything a later run needs, as plain JSON for a
 * SecretStore. If anything fails after the provider issued tokens, the device
 * and the tokens are withdrawn again (best effort), so a failed sign-in leaves
 * nothing behind on the portal.
 */
import os from 'node:os';
import { encodeKey, generatePrivateKey, publicKeyFromPrivate } from '../tunnel/wireguard/keys.js';
import { deviceConfig } from './device-config.js';
import { PortalResponseError } from './errors.js';
import type { FetchLike } from './http.js';
import type { DeepLinkInbox } from './deep-link-inbox.js';
import { LoopbackUnavailableError } from './errors.js';
import {
  discoverProvider,
  revokeRefreshToken,
  signInWithAppScheme,
  signInWithLoopback,
} from './oidc.js';
import { fetchPortalConfig } from './portal-config.js';
import { ProvisioningApi } from './provisioning.js';
import type { SigninLogger } from './signin-logger.js';
import type { StoredSession } from './stored-session.js';

export { PortalSession } from './portal-session.js';

export interface SignInDeps {
  /** Opens the authorization URL in the system browser. */
  openBrowser: (url: string) => Promise<void>;
  log: SigninLogger;
  fetch?: FetchLike;
  /** Cancels the sign-in (the user closed the dialog). */
  signal?: AbortSignal;
  /** How long to wait for the browser; default 5 minutes. */
  timeoutMs?: number;
  /** The device name shown on the portal; default os.hostname(). */
  deviceName?: string;
  /**
   * Where the app receives `slipstream://` links. With it, a sign-in that
   * cannot open a loopback listener (a locked-down machine) falls back to the
   * app-scheme redirect instead of failing.
   */
  deepLinks?: DeepLinkInbox;
  now?: () => number;
}

/** A session right after sign-in: what to store, and who signed in. */
export type SignedInSession = StoredSession;

export async function signIn(portalUrl: string, deps: SignInDeps): Promise<SignedInSession> {
  const log = deps.log;
  const net = deps.fetch ? { fetch: deps.fetch } : {};
  const portal = await fetchPortalConfig(portalUrl, {
    ...net,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  log.info('portal found', { portal: portal.portalUrl, issuer: portal.issuer });
  const oidc = await discoverProvider(portal.issuer, portal.clientId, {
    ...net,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const common = {
    scopes: portal.scopes,
    openBrowser: deps.openBrowser,
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  };
  const result = await signInWithLoopback(oidc, common).catch((err: unknown) => {
    if (!deps.deepLinks || !(err instanceof LoopbackUnavailableError)) throw err;
    log.warn('no loopback listener; signing in through the slipstream:// link instead', {
      error: err,
    });
    return signInWithAppScheme(oidc, { ...common, inbox: deps.deepLinks });
  });
  log.addSecret(result.tokens.access);
  log.addSecret(result.tokens.refresh);
  log.info('signed in at the provider', { sub: result.account.sub });

  // The private key is made here and never leaves this machine; only its public half is sent.
  const privateKeyBytes = generatePrivateKey();
  const privateKey = encodeKey(privateKeyBytes);
  log.addSecret(privateKey);
  const publicKey = encodeKey(publicKeyFromPrivate(privateKeyBytes));
  privateKeyBytes.fill(0);

  const api = new ProvisioningApi(portal.api, net);
  const name = (deps.deviceName ?? os.hostname()).slice(0, 200) || 'slipstream';
  let deviceId: string | null = null;
  try {
    const device = await api.registerDevice(result.tokens.access, publicKey, name);
    deviceId = device.id;
    if (device.publicKey !== publicKey) {
      throw new PortalResponseError(
        `The portal at ${portal.portalUrl} registered a different key than this device's.`,
      );
    }
    // Fail now, not at the first `up`, if the tunnel settings are unusable.
    deviceConfig(device.tunnel, privateKey);
    log.info('device registered', { device: device.id, name: device.name });
    return {
      portalUrl: portal.portalUrl,
      issuer: portal.issuer,
      clientId: portal.clientId,
      scopes: portal.scopes,
      api: api.api,
      tokens: result.tokens,
      account: result.account,
      device: { id: device.id, name: device.name, publicKey },
      privateKey,
      tunnel: device.tunnel,
    };
  } catch (err) {
    if (deviceId !== null) {
      await api
        .deleteDevice(result.tokens.access, deviceId)
        .catch((e: unknown) =>
          log.warn('could not remove the half-registered device', { error: e }),
        );
    }
    await revokeRefreshToken(oidc, result.tokens.refresh).catch((e: unknown) =>
      log.warn('could not revoke the sign-in after a failure', { error: e }),
    );
    throw err;
  }
}
