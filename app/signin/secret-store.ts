/**
 * Where a signed-in session is kept between runs. The desktop app implements
 * SecretStore with Electron's safeStorage (the OS keyring / DPAPI); the CLI,
 * which has no keyring it can rely on, uses EncryptedFileStore below.
 *
 * What protects the CLI's session: session.enc is XChaCha20-Poly1305 under a
 * 32-byte random key kept in a separate file, session.key. Both files are 0600
 * in a 0700 directory owned by the user, so the key is protected by nothing
 * more than the user account's file permissions. This stops casual disclosure
 * (session.enc copied alone into a backup, a sync folder or a bug report is
 * useless without session.key; a tampered file is refused, not trusted). It does
 * NOT protect against root, or against anything running as the same user, which
 * can read both files; nor against a backup that contains the whole directory.
 *
 * Under sudo the files are read and written by a child running as the
 * invoking user, never by root (session-files.ts).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { SessionStoreError } from './errors.js';
import { sessionFilesFor, type SessionFiles } from './session-files.js';
import { StoredSessionSchema, type StoredSession } from './stored-session.js';

export interface SecretStore {
  /** The saved session, or null when signed out. Throws SessionStoreError if it cannot be read. */
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
  /** Removes every local secret of the session; succeeds when there is nothing to remove. */
  clear(): Promise<void>;
}

/** Keeps the session in memory only (tests, or a session that must not outlive the process). */
export class MemoryStore implements SecretStore {
  constructor(private session: StoredSession | null = null) {}
  async load(): Promise<StoredSession | null> {
    return this.session ? structuredClone(this.session) : null;
  }
  async save(session: StoredSession): Promise<void> {
    this.session = structuredClone(session);
  }
  async clear(): Promise<void> {
    this.session = null;
  }
}

export const SESSION_FILE = 'session.enc';
export const KEY_FILE = 'session.key';
/** File magic, also bound into the ciphertext as associated data. */
const FORMAT = Buffer.from('slipstream-session-v1\n', 'utf8');
const NONCE_BYTES = 24;
const KEY_BYTES = 32;

export class EncryptedFileStore implements SecretStore {
  readonly dir: string;
  readonly sessionPath: string;
  readonly keyPath: string;
  private readonly files: SessionFiles;

  constructor(dir: string, files: SessionFiles = sessionFilesFor(dir)) {
    this.dir = path.resolve(dir);
    this.sessionPath = path.join(this.dir, SESSION_FILE);
    this.keyPath = path.join(this.dir, KEY_FILE);
    this.files = files;
  }

  async load(): Promise<StoredSession | null> {
    let blob: Buffer | null;
    try {
      blob = await this.files.read(SESSION_FILE);
    } catch {
      throw new SessionStoreError(`Cannot read the saved sign-in at ${this.sessionPath}.`);
    }
    if (blob === null) return null;
    let key: Buffer | null;
    try {
      key = await this.files.read(KEY_FILE);
    } catch {
      throw this.damaged();
    }
    if (!key || key.length !== KEY_BYTES || blob.length < FORMAT.length + NONCE_BYTES + 16) {
      throw this.damaged();
    }
    if (!blob.subarray(0, FORMAT.length).equals(FORMAT)) throw this.damaged();
    const nonce = blob.subarray(FORMAT.length, FORMAT.length + NONCE_BYTES);
    const sealed = blob.subarray(FORMAT.length + NONCE_BYTES);
    let plain: Uint8Array;
    try {
      plain = xchacha20poly1305(key, nonce, FORMAT).decrypt(sealed);
    } catch {
      // Wrong key or changed bytes: the tag check fails; never use unauthenticated data.
      throw this.damaged();
    }
    try {
      return StoredSessionSchema.parse(JSON.parse(Buffer.from(plain).toString('utf8')));
    } catch {
      throw this.damaged();
    } finally {
      plain.fill(0);
    }
  }

  async save(session: StoredSession): Promise<void> {
    try {
      const key = await this.key();
      const nonce = randomBytes(NONCE_BYTES);
      const plain = Buffer.from(JSON.stringify(session), 'utf8');
      const sealed = xchacha20poly1305(key, nonce, FORMAT).encrypt(plain);
      plain.fill(0);
      // A crash leaves the old or the new file, never half of one.
      await this.files.write(SESSION_FILE, Buffer.concat([FORMAT, nonce, sealed]));
    } catch (err) {
      if (err instanceof SessionStoreError) throw err;
      throw new SessionStoreError(
        `Cannot save the sign-in in ${this.dir} (${(err as Error).message}).`,
      );
    }
  }

  async clear(): Promise<void> {
    for (const name of [SESSION_FILE, KEY_FILE]) {
      try {
        await this.files.remove(name);
      } catch {
        throw new SessionStoreError(
          `Cannot remove ${path.join(this.dir, name)}; delete it by hand.`,
        );
      }
    }
  }

  private damaged(): SessionStoreError {
    return new SessionStoreError(
      `The saved sign-in in ${this.dir} is damaged or was changed, so it was not used.`,
    );
  }

  /** The key file's 32 bytes, created on first use (exclusively, so two first runs agree). */
  private async key(): Promise<Buffer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.files.read(KEY_FILE);
      if (existing && existing.length === KEY_BYTES) return existing;
      // A damaged key cannot decrypt anything; it is replaced along with the session.
      if (existing) await this.files.remove(KEY_FILE);
      const key = randomBytes(KEY_BYTES);
      if (await this.files.create(KEY_FILE, key)) return key;
    }
    throw new SessionStoreError(`Cannot create the key for the saved sign-in in ${this.dir}.`);
  }
}
