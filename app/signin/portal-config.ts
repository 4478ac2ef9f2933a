/**
 * Step 1 of the provisioning API: `{portal}/.well-known/slipstream-configuration`
 * names the OpenID provider, the client id and the API base. Everything in it is
 * checked before use, because a wrong answer here would send the user's
 * credentials somewhere else.
 */
import { z } from 'zod';
import { NotAPortalError, PortalResponseError, PortalUnreachableError } from './errors.js';
import { describeNetworkError, httpsBaseUrl, REQUEST_TIMEOUT_MS, type FetchLike } from './http.js';

export interface PortalConfig {
  /** The portal's base URL as normalised here (https, no trailing slash). */
  portalUrl: string;
  issuer: string;
  clientId: string;
  /** What the portal asks for, plus openid and offline_access, which this client needs. */
  scopes: string[];
  /** API base, no trailing slash. */
  api: string;
}

const WellKnown = z.object({
  issuer: z.string().min(1),
  client_id: z.string().min(1).max(255),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).max(50),
  api: z.string().min(1),
});

/** Normalises what the user typed as the portal address; throws a SigninError sentence. */
export function normalisePortalUrl(text: string): string {
  return httpsBaseUrl(text, 'The portal address');
}

export async function fetchPortalConfig(
  portalText: string,
  options: { fetch?: FetchLike; signal?: AbortSignal } = {},
): Promise<PortalConfig> {
  const portalUrl = normalisePortalUrl(portalText);
  const doFetch = options.fetch ?? fetch;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
    : AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await doFetch(`${portalUrl}/.well-known/slipstream-configuration`, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal,
    });
  } catch (err) {
    throw new PortalUnreachableError(
      `Cannot reach the portal at ${portalUrl} (${describeNetworkError(err)}).`,
    );
  }
  const notPortal = new NotAPortalError(`${portalUrl} is not a Slipstream portal.`);
  if (!response.ok) {
    await response.body?.cancel();
    throw notPortal;
  }
  let parsed: z.infer<typeof WellKnown>;
  try {
    parsed = WellKnown.parse(await response.json());
  } catch {
    throw notPortal;
  }
  let api: string;
  try {
    httpsBaseUrl(parsed.issuer, 'The sign-in provider');
    api = httpsBaseUrl(parsed.api, 'The portal API');
  } catch (err) {
    throw new PortalResponseError(
      `The portal at ${portalUrl} is misconfigured: ${(err as Error).message}`,
    );
  }
  // The issuer identifier is compared byte for byte with the provider's own
  // metadata, so keep it exactly as the portal sent it (only validated above).
  const scopes = [...new Set([...parsed.scopes, 'openid', 'offline_access'])];
  return { portalUrl, issuer: parsed.issuer, clientId: parsed.client_id, scopes, api };
}
