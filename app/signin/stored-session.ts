/**
 * What a signed-in client keeps between runs (PROVISIONING-API.md: everything
 * needed to refresh, rebuild the tunnel and sign out). Plain JSON, so every
 * SecretStore can serialise it; validated on the way back in, because a file
 * on disk is input like any other.
 */
import { z } from 'zod';
import { DeviceTunnelSchema, wireGuardKey } from './device-schema.js';

export const StoredSessionSchema = z.object({
  portalUrl: z.string().min(1),
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  /** Scopes asked for at sign-in (kept so refreshes and re-sign-ins ask for the same). */
  scopes: z.array(z.string()).default(['openid', 'offline_access']),
  api: z.string().min(1),
  tokens: z.object({
    access: z.string().min(1),
    refresh: z.string().min(1),
    /** Milliseconds since the epoch. */
    expiresAt: z.number(),
    /** When the sign-in ends unless renewed, where the provider says (oidc.ts TokenSet). */
    sessionEndsAt: z.number().optional(),
  }),
  account: z.object({
    sub: z.string().min(1),
    name: z.string().optional(),
    email: z.string().optional(),
  }),
  device: z.object({
    id: z.string().min(1),
    name: z.string(),
    publicKey: wireGuardKey,
  }),
  /** Base64 X25519 private key; generated here, never sent anywhere. */
  privateKey: wireGuardKey,
  tunnel: DeviceTunnelSchema,
});

export type StoredSession = z.infer<typeof StoredSessionSchema>;

/** Who is signed in, for messages ("Ann <ann@example.com>"). */
export function describeAccount(account: StoredSession['account']): string {
  if (account.name && account.email) return `${account.name} <${account.email}>`;
  return account.name ?? account.email ?? account.sub;
}
