/**
 * The control channel on Linux: a Unix socket in a directory only the helper
 * (root) can write, the socket itself owned by the served user with mode
 * 0600, so the kernel refuses everybody else at connect().
 */
import { chmod, chown, rm } from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { defaultStateDir } from '../platform/linux/state.js';
import { ensureOwnedDir, RUNTIME_DIR_MODE } from '../util/owned-dir.js';
import type { ControlEndpoint } from './endpoint.js';

export function unixSocketEndpoint(socketPath: string, uid: number, gid: number): ControlEndpoint {
  return {
    path: socketPath,
    silentUntilRequest: false,
    async listen(server: net.Server) {
      const dir = path.dirname(socketPath);
      // The shared runtime directory may have been made by the CLI first: same mode for both.
      const runtime = defaultStateDir();
      if (path.dirname(dir) === runtime) await ensureOwnedDir(runtime, RUNTIME_DIR_MODE);
      try {
        await ensureOwnedDir(dir, RUNTIME_DIR_MODE);
      } catch (err) {
        throw new Error(
          `${dir} must belong to the helper and not be writable by others (${(err as Error).message})`,
        );
      }
      await rm(socketPath, { force: true });
      // Created with a umask that leaves nobody but the owner access, then handed over.
      // listen() creates the socket file synchronously, so the umask is restored at once.
      const umask = process.umask(0o177);
      try {
        await new Promise<void>((resolve, reject) => {
          const fail = (err: Error) => reject(err);
          server.once('error', fail);
          server.listen(socketPath, () => {
            server.off('error', fail);
            resolve();
          });
        });
      } finally {
        process.umask(umask);
      }
      await chown(socketPath, uid, gid);
      await chmod(socketPath, 0o600);
    },
    async cleanup() {
      await rm(socketPath, { force: true });
    },
  };
}
