/**
 * The control channel on Windows: the named pipe \\.\pipe\slipstream-helper-<SID>
 * of one served user. The addon creates every instance of it
 * (native/src/windows/pipe_server.cc) with the DACL that lets in only that
 * user, SYSTEM and Administrators (pipeSddl), the first one with
 * FILE_FLAG_FIRST_PIPE_INSTANCE, so a name somebody else holds makes listen
 * fail; there is no moment with Windows' default DACL. Each connected
 * instance arrives as a descriptor of node's C runtime and becomes a
 * net.Socket (libuv's uv_pipe_open), handed to the control server as a
 * connection of its net.Server, which itself never listens.
 */
import { closeSync } from 'node:fs';
import net from 'node:net';
import { loadAddon } from '../native/addon.js';
import type { PipeServerEvent } from '../native/types.js';
import type { ControlEndpoint } from './endpoint.js';
import { pipeSddl } from './windows-pipe.js';

/** The addon's createPipeServer; absent from builds other than Windows. */
export type CreatePipeServer = (
  pipePath: string,
  sddl: string,
  onEvent: PipeServerEvent,
) => { close(): void };

function addonCreatePipeServer(): CreatePipeServer {
  const addon = loadAddon();
  const create = addon.createPipeServer;
  if (!create) throw new Error('the named pipe needs the Windows build of the addon');
  return (pipePath, sddl, onEvent) => create.call(addon, pipePath, sddl, onEvent);
}

export function namedPipeEndpoint(
  pipePath: string,
  userSid: string,
  createPipeServer: CreatePipeServer = addonCreatePipeServer(),
): ControlEndpoint {
  // Validated before anything is created: a bad SID is refused, not pasted into SDDL.
  const sddl = pipeSddl(userSid);
  let pipe: { close(): void } | null = null;
  let closed = false;
  const stop = () => {
    closed = true;
    pipe?.close();
    pipe = null;
  };
  return {
    path: pipePath,
    // Kept although the DACL is there from the start: it costs nothing and keeps the
    // protocol the same if an endpoint ever has a window again.
    silentUntilRequest: true,
    async listen(server: net.Server) {
      // Throws (ERROR_ALREADY_EXISTS / ERROR_ACCESS_DENIED) when the name exists: not ours.
      pipe = createPipeServer(pipePath, sddl, (err, fd) => {
        if (err) {
          // No more clients can come: the helper stops (run.ts treats an uncaught
          // error as fatal and takes the tunnel down) and the SCM restarts it.
          stop();
          server.emit('error', err);
          return;
        }
        if (fd === undefined) return;
        if (closed) {
          // A connection that crossed close(): nobody serves it.
          closeSync(fd);
          return;
        }
        let socket: net.Socket;
        try {
          socket = new net.Socket({ fd, readable: true, writable: true });
        } catch {
          closeSync(fd);
          return;
        }
        server.emit('connection', socket);
      });
      // The control server closes its net.Server to stop; that stops the pipe too.
      server.once('close', stop);
    },
    async cleanup() {
      // Instances already handed out close with their sockets; a pipe disappears with its
      // last handle.
      stop();
    },
  };
}
