/**
 * Picks how this renderer reaches the app: the Electron preload bridge when
 * there is one, otherwise the web harness's WebSocket on the page's own host
 * (the harness serves the page and the socket from the same origin, which the
 * CSP's connect-src 'self' allows). Either way the rest of the UI only sees a
 * validated ipc/client.ts Client.
 */
import { createClient, type Client } from '../../../ipc/client.js';
import { alwaysOpen, type ConnectionMonitor } from './connection.js';
import { ipcSocketUrl, takeAccessToken, WebSocketTransport } from './websocket-transport.js';

export interface Ipc {
  client: Client;
  connection: ConnectionMonitor;
}

export function connectIpc(): Ipc {
  const warn = (event: string) => console.warn(`ipc: ignored an invalid ${event} event`);
  if (window.slipstream) {
    return { client: createClient(window.slipstream, warn), connection: alwaysOpen };
  }
  const token = takeAccessToken(window.location, window.history, window.sessionStorage);
  const socket = new WebSocketTransport(ipcSocketUrl(window.location, token));
  return { client: createClient(socket, warn), connection: socket.connection };
}
