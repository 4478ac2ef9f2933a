/**
 * Turns what openid-client throws into one sentence for the user. The library's
 * own messages are for developers ("unexpected JWT claim value encountered"),
 * and a provider's error_description is shown only next to its OAuth code.
 */
import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';
import { ProviderError, SessionExpiredError, SigninError, StateMismatchError } from './errors.js';
import { describeNetworkError } from './http.js';

export type OidcStep = 'discovery' | 'sign-in' | 'refresh' | 'revocation';

function withDescription(code: string, description: string | undefined): string {
  // Descriptions come from the provider: keep them short and on one line.
  const text = description?.replace(/\s+/g, ' ').trim().slice(0, 200);
  return text ? `${code}: ${text}` : code;
}

export function describeOidcError(err: unknown, issuer: string, step: OidcStep): SigninError {
  if (err instanceof SigninError) return err;
  if (err instanceof AuthorizationResponseError) {
    if (err.error === 'access_denied') {
      return new ProviderError(
        `The sign-in was refused at the sign-in provider (${withDescription(err.error, err.error_description)}).`,
        err.error,
      );
    }
    return new ProviderError(
      `The sign-in provider reported an error (${withDescription(err.error, err.error_description)}).`,
      err.error,
    );
  }
  if (err instanceof ResponseBodyError) {
    if (err.error === 'invalid_grant' && step === 'refresh') return new SessionExpiredError();
    if (err.error === 'invalid_grant') {
      return new ProviderError(
        'The sign-in provider did not accept the sign-in code (invalid_grant). Please try again.',
        err.error,
      );
    }
    return new ProviderError(
      `The sign-in provider refused the ${step} (${withDescription(err.error, err.error_description)}).`,
      err.error,
    );
  }
  if (err instanceof ClientError) {
    switch (err.code) {
      case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
      case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
        return new ProviderError(
          `The sign-in provider ${issuer} does not use https://, which Slipstream requires.`,
        );
      case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      case 'OAUTH_INVALID_RESPONSE': {
        // openid-client wraps oauth4webapi's error, whose message names the failed check.
        const detail = `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`;
        if (/"state"|"nonce"/.test(detail)) return new StateMismatchError();
        break;
      }
    }
    if (step === 'discovery') {
      return new ProviderError(
        `The sign-in provider at ${issuer} did not answer as an OpenID provider should.`,
      );
    }
    return new ProviderError(
      `The sign-in provider at ${issuer} sent a response that could not be accepted during ${step}.`,
    );
  }
  if (err instanceof TypeError || (err instanceof Error && err.name === 'TimeoutError')) {
    return new ProviderError(
      `Cannot reach the sign-in provider at ${issuer} (${describeNetworkError(err)}).`,
    );
  }
  return new ProviderError(`The ${step} at the sign-in provider ${issuer} failed unexpectedly.`);
}
