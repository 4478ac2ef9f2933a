// In-memory storage for oidc-provider. The library's own memory adapter works too, but it
// prints a warning at startup (breaking the JSONL log) and cannot list what belongs to one
// account, which the admin API needs to revoke a user's sessions.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** ms since epoch; undefined = never. */
  expiresAt: number | undefined;
}

// One store for all models, as the provider expects grant-wide revocation across them.
const store = new Map<string, Entry>();
const byGrant = new Map<string, Set<string>>();
const sessionByUid = new Map<string, string>();
const byUserCode = new Map<string, string>();

// Models whose entries belong to a grant and go when it is revoked.
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

const ACCESS_TOKEN_GRACE_S = 600;

function live(key: string): AdapterPayload | undefined {
  const e = store.get(key);
  if (!e) return undefined;
  if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return e.payload;
}

export class MemoryStore implements Adapter {
  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.key(id);
    // Expired access tokens are kept a while (the model itself refuses them once expired) so
    // the API can answer "expired" rather than "not valid".
    const grace = this.model === 'AccessToken' ? ACCESS_TOKEN_GRACE_S : 0;
    const expiresAt = expiresIn ? Date.now() + (expiresIn + grace) * 1000 : undefined;
    store.set(key, { payload, expiresAt });
    if (this.model === 'Session' && payload.uid) sessionByUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const set = byGrant.get(payload.grantId) ?? new Set<string>();
      set.add(key);
      byGrant.set(payload.grantId, set);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return live(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = sessionByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const p = live(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of byGrant.get(grantId) ?? []) store.delete(key);
    byGrant.delete(grantId);
  }
}

/**
 * Ends everything an account has at the provider: its grants with every token issued from
 * them (so refreshing fails) and its browser sessions (so the next sign-in asks for the
 * password again). Returns how many grants and sessions were removed.
 */
export async function revokeAccount(
  accountId: string,
): Promise<{ grants: number; sessions: number }> {
  const grants = idsForAccount('Grant', accountId);
  const sessions = idsForAccount('Session', accountId);
  for (const id of grants) {
    await new MemoryStore('Grant').revokeByGrantId(id);
    await new MemoryStore('Grant').destroy(id);
  }
  for (const id of sessions) await new MemoryStore('Session').destroy(id);
  return { grants: grants.length, sessions: sessions.length };
}

function idsForAccount(model: string, accountId: string): string[] {
  const prefix = `${model}:`;
  return [...store.keys()]
    .filter((k) => k.startsWith(prefix) && live(k)?.accountId === accountId)
    .map((k) => k.slice(prefix.length));
}
