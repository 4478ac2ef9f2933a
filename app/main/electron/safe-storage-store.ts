/**
 * The desktop app's SecretStore (app/signin/secret-store.ts) on Electron's
 * safeStorage: DPAPI on Windows, the Secret Service (GNOME Keyring, KWallet)
 * on Linux. Where no keyring is available, safeStorage would fall back to a
 * hard-coded key ("basic_text" on Linux), which protects nothing; then the
 * sign-in is kept in memory only and the user is told it will not survive a
 * restart, rather than pretending it is stored safely.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { safeStorage } from 'electron';
import { MemoryStore, type SecretStore } from '../../signin/secret-store.js';
import { SessionStoreError } from '../../signin/errors.js';
import { StoredSessionSchema, type StoredSession } from '../../signin/stored-session.js';
import { writeFileAtomic } from '../../util/write-file-atomic.js';
import { keyringProblem } from './keyring.js';

export function safeStorageStore(dir: string): { store: SecretStore; notice: string | null } {
  const problem = keyringProblem({
    available: safeStorage.isEncryptionAvailable(),
    backend: process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null,
  });
  if (problem) return { store: new MemoryStore(), notice: problem };
  const file = path.join(dir, 'session.safe');
  return {
    notice: null,
    store: {
      async load(): Promise<StoredSession | null> {
        let blob: Buffer;
        try {
          blob = await readFile(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw new SessionStoreError('The saved sign-in could not be read; please sign in again.');
        }
        try {
          return StoredSessionSchema.parse(JSON.parse(safeStorage.decryptString(blob)));
        } catch {
          throw new SessionStoreError('The saved sign-in could not be read; please sign in again.');
        }
      },
      async save(session: StoredSession): Promise<void> {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(file, safeStorage.encryptString(JSON.stringify(session)));
      },
      async clear(): Promise<void> {
        await rm(file, { force: true });
      },
    },
  };
}
