/**
 * The control channel on Windows: the named pipe \\.\pipe\slipstream-helper-<SID>
 * of the one user the helper serves. libuv creates the pipe (its first
 * instance with FILE_FLAG_FIRST_PIPE_INSTANCE, so a name somebody else holds
 * makes listen fail with EADDRINUSE), and the addon's securePipe then gives it
 * a DACL that lets in only that user, SYSTEM and Administrators (pipeSddl).
 * Until then the pipe has Windows' default DACL, which lets any local user
 * connect read-only; such a client can never write a request, and the
 * control server sends nothing to a client that has not (silentUntilRequest).
 * Why the order cannot be the other way round: pipe_security.cc.
 */
import type net from 'node:net';
import { loadAddon } from '../native/addon.js';
import type { ControlEndpoint } from './endpoint.js';
import { pipeSddl } from './windows-pipe.js';

/** The addon's securePipe; absent from builds other than Windows. */
export type SecurePipe = (pipePath: string, sddl: string) => void;

function addonSecurePipe(): SecurePipe {
  const securePipe = loadAddon().securePipe;
  if (!securePipe) throw new Error('named-pipe security needs the Windows build of the addon');
  return securePipe;
}

export function namedPipeEndpoint(
  pipePath: string,
  userSid: string,
  securePipe: SecurePipe = addonSecurePipe(),
): ControlEndpoint {
  // Validated before anything is created: a bad SID is refused, not pasted into SDDL.
  const sddl = pipeSddl(userSid);
  return {
    path: pipePath,
    silentUntilRequest: true,
    async listen(server: net.Server) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(pipePath, () => {
          server.off('error', reject);
          resolve();
        });
        // Node binds and listens on a pipe synchronously (outside a cluster), so
        // `listening` already tells whether the pipe is ours; securing it in the
        // same tick keeps the default DACL's window as short as it can be. When
        // listen failed (the name is taken), the 'error' above says so and the
        // pipe is left alone: it is not ours to change.
        if (server.listening) {
          try {
            securePipe(pipePath, sddl);
          } catch (err) {
            server.close();
            reject(err as Error);
          }
        }
      });
    },
    async cleanup() {
      // A pipe disappears with its last handle.
    },
  };
}
