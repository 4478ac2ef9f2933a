/**
 * Where the helper's control server listens, per platform: a Unix socket on
 * Linux (unix-socket-endpoint.ts), a named pipe on Windows
 * (named-pipe-endpoint.ts). The line protocol on top is the same
 * (control-server.ts with ipc/wire.ts); an endpoint only binds the server and
 * makes sure nobody but the served user gets in.
 */
import type net from 'node:net';

export interface ControlEndpoint {
  /** Socket path or pipe path, as net.createConnection takes it. */
  readonly path: string;
  /**
   * Send a client nothing (events included) until it has written something.
   * For an endpoint whose access control may let a read-only client in for a
   * moment: such a client can never write, so it never hears anything.
   */
  readonly silentUntilRequest: boolean;
  /** Binds `server`; resolves when it listens with its access control in place. */
  listen(server: net.Server): Promise<void>;
  /** After the server has closed: removes what listen left behind. */
  cleanup(): Promise<void>;
}

export type EndpointKind = 'unix-socket' | 'named-pipe';

export function endpointKind(platform: NodeJS.Platform): EndpointKind {
  return platform === 'win32' ? 'named-pipe' : 'unix-socket';
}
