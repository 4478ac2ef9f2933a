/** The sign-in module's public surface, for the CLI and the desktop app. */
export {
  DeviceRemovedError,
  ForbiddenError,
  InvalidTokenError,
  LoopbackUnavailableError,
  NotAPortalError,
  PortalResponseError,
  PortalUnreachableError,
  ProviderError,
  SessionExpiredError,
  SessionStoreError,
  SignInCancelledError,
  SignInTimeoutError,
  SigninError,
  StateMismatchError,
} from './errors.js';
export type { FetchLike } from './http.js';
export { fetchPortalConfig, normalisePortalUrl, type PortalConfig } from './portal-config.js';
export {
  APP_REDIRECT_URI,
  discoverProvider,
  refreshTokens,
  revokeRefreshToken,
  signInWithAppScheme,
  signInWithLoopback,
  startSignIn,
  type AccountClaims,
  type LoopbackSignInOptions,
  type PendingSignIn,
  type SignInResult,
  type StartSignInOptions,
  type TokenSet,
} from './oidc.js';
export {
  openLoopbackListener,
  DEFAULT_SIGNIN_TIMEOUT_MS,
  type LoopbackListener,
} from './loopback.js';
export { DeepLinkInbox } from './deep-link-inbox.js';
export { ProvisioningApi, type ProvisioningOptions } from './provisioning.js';
export type { Device, DevicePeer, DeviceTunnel } from './device-schema.js';
export { deviceConfig, deviceToWgQuick } from './device-config.js';
export { signIn, type SignInDeps, type SignedInSession } from './session.js';
export {
  END_MESSAGES,
  PortalSession,
  type EndReason,
  type PortalSessionDeps,
  type PortalSessionEvents,
  type SetTimer,
  type SignOutReport,
  type Timer,
} from './portal-session.js';
export { oidcAuthority, type TokenAuthority } from './token-authority.js';
export { EncryptedFileStore, MemoryStore, type SecretStore } from './secret-store.js';
export { defaultStateDir } from './state-dir.js';
export { describeAccount, StoredSessionSchema, type StoredSession } from './stored-session.js';
export { addSessionSecrets, type SigninLogger } from './signin-logger.js';
