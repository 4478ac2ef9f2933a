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
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { SessionStoreError } from './errors.js';
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
const POSIX = process.platform !== 'win32';

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export class EncryptedFileStore implements SecretStore {
  readonly dir: string;
  readonly sessionPath: string;
  readonly keyPath: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.sessionPath = path.join(this.dir, SESSION_FILE);
    this.keyPath = path.join(this.dir, KEY_FILE);
  }

  async load(): Promise<StoredSession | null> {
    let blob: Buffer;
    try {
      blob = await readFile(this.sessionPath);
    } catch (err) {
      if (code(err) === 'ENOENT') return null;
      throw new SessionStoreError(`Cannot read the saved sign-in at ${this.sessionPath}.`);
    }
    let key: Buffer;
    try {
      key = await readFile(this.keyPath);
    } catch {
      throw this.damaged();
    }
    if (key.length !== KEY_BYTES || blob.length < FORMAT.length + NONCE_BYTES + 16) {
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
    await this.ensureDir();
    const key = await this.key();
    const nonce = randomBytes(NONCE_BYTES);
    const plain = Buffer.from(JSON.stringify(session), 'utf8');
    const sealed = xchacha20poly1305(key, nonce, FORMAT).encrypt(plain);
    plain.fill(0);
    // A crash leaves the old or the new file, never half of one.
    await writeFileAtomic(this.sessionPath, Buffer.concat([FORMAT, nonce, sealed]), {
      beforeRename: (temp) => this.matchDirOwner(temp),
    });
  }

  async clear(): Promise<void> {
    for (const file of [this.sessionPath, this.keyPath]) {
      try {
        await unlink(file);
      } catch (err) {
        if (code(err) !== 'ENOENT') {
          throw new SessionStoreError(`Cannot remove ${file}; delete it by hand.`);
        }
      }
    }
  }

  private damaged(): SessionStoreError {
    return new SessionStoreError(
      `The saved sign-in in ${this.dir} is damaged or was changed, so it was not used.`,
    );
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode does not apply to a directory that already existed.
    if (POSIX) {
      const info = await stat(this.dir);
      if ((info.mode & 0o077) !== 0) await chmod(this.dir, 0o700);
    }
  }

  /** The key file's 32 bytes, created on first use (O_EXCL, so two first runs agree). */
  private async key(): Promise<Buffer> {
    try {
      const key = await readFile(this.keyPath);
      if (key.length === KEY_BYTES) return key;
      // A damaged key cannot decrypt anything; it is replaced along with the session.
      await unlink(this.keyPath);
    } catch (err) {
      if (code(err) !== 'ENOENT') throw err;
    }
    const key = randomBytes(KEY_BYTES);
    try {
      const handle = await open(this.keyPath, 'wx', 0o600);
      try {
        await handle.writeFile(key);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.matchDirOwner(this.keyPath);
      return key;
    } catch (err) {
      if (code(err) === 'EEXIST') return this.key();
      throw err;
    }
  }

  /**
   * `sudo slipstream up` refreshes tokens into the invoking user's directory;
   * the files must stay that user's, or their next `slipstream logout` fails.
   */
  private async matchDirOwner(file: string): Promise<void> {
    if (!POSIX || process.getuid?.() !== 0) return;
    const dir = await stat(this.dir);
    if (dir.uid === 0) return;
    const handle = await open(file, 'r');
    try {
      await handle.chown(dir.uid, dir.gid);
    } finally {
      await handle.close();
    }
  }
}
