/**
 * The errors sign-in can end in. Each message is one complete sentence meant
 * for the user as it is (the CLI prints it, the app shows it), so callers never
 * need to wrap them. Messages never contain tokens or keys: they are built only
 * from addresses and from the error codes a provider or portal sent.
 */
export class SigninError extends Error {
  override readonly name: string = 'SigninError';
}

/** The portal (or its API) could not be reached: DNS, refused, TLS, timeout. */
export class PortalUnreachableError extends SigninError {
  override readonly name = 'PortalUnreachableError';
}

/** The address answered, but not with a Slipstream configuration. */
export class NotAPortalError extends SigninError {
  override readonly name = 'NotAPortalError';
}

/** The portal answered in a way this client does not understand. */
export class PortalResponseError extends SigninError {
  override readonly name = 'PortalResponseError';
}

/** 401 from the portal: the access token is missing, expired or revoked. */
export class InvalidTokenError extends SigninError {
  override readonly name = 'InvalidTokenError';
  constructor(message = 'The portal did not accept the sign-in; please sign in again.') {
    super(message);
  }
}

/** 403 from the portal. */
export class ForbiddenError extends SigninError {
  override readonly name = 'ForbiddenError';
  constructor(message = 'Your account is not allowed to use this VPN.') {
    super(message);
  }
}

/** 404 from the portal for this device. */
export class DeviceRemovedError extends SigninError {
  override readonly name = 'DeviceRemovedError';
  constructor(message = 'This device was removed on the portal.') {
    super(message);
  }
}

/** Anything that went wrong with the OpenID provider or the browser step. */
export class ProviderError extends SigninError {
  override readonly name: string = 'ProviderError';
  /** The OAuth error code when the provider sent one (access_denied, invalid_grant, ...). */
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/** The refresh token is no longer accepted (invalid_grant): the session is over. */
export class SessionExpiredError extends ProviderError {
  override readonly name = 'SessionExpiredError';
  constructor() {
    super('Your session has expired. Please sign in again.', 'invalid_grant');
  }
}

/** No listener could be opened on 127.0.0.1 for the loopback redirect. */
export class LoopbackUnavailableError extends ProviderError {
  override readonly name = 'LoopbackUnavailableError';
  constructor() {
    super('Slipstream could not listen on 127.0.0.1 for the sign-in answer.');
  }
}

/** The browser came back with a state that is not this attempt's (or no state at all). */
export class StateMismatchError extends ProviderError {
  override readonly name = 'StateMismatchError';
  constructor() {
    super('The sign-in response did not match this sign-in attempt. Please try again.');
  }
}

export class SignInTimeoutError extends ProviderError {
  override readonly name = 'SignInTimeoutError';
}

export class SignInCancelledError extends ProviderError {
  override readonly name = 'SignInCancelledError';
  constructor() {
    super('The sign-in was cancelled.');
  }
}

/** The saved session could not be read back: damaged, changed, or the key is wrong. */
export class SessionStoreError extends SigninError {
  override readonly name = 'SessionStoreError';
}
