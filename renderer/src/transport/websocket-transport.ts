/**
 * The ipc/client.ts Transport over the web harness's WebSocket (ipc/wire.ts
 * frames): requests carry an id the answer echoes, events carry a name. The
 * socket reconnects by itself with backoff; requests sent on a socket that
 * then drops fail with a sentence (their fate is unknown, so they are not
 * replayed), requests made while it is down wait for it, for a while.
 */
import { IpcError, type Transport } from '../../../ipc/client.js';
import type { CommandName, EventName } from '../../../ipc/schema.js';
import { ServerFrame } from '../../../ipc/wire.js';
import { reconnectDelay } from './backoff.js';
import type { ConnectionMonitor, ConnectionStatus } from './connection.js';

/** How long a request made while disconnected waits for the socket before failing. */
const QUEUED_REQUEST_TIMEOUT_MS = 15_000;

const LOST_MESSAGE = 'The connection to Slipstream was lost before it answered. Try again.';
const UNREACHABLE_MESSAGE = 'Slipstream is not reachable right now. Try again in a moment.';

interface Pending {
  resolve: (envelope: unknown) => void;
  reject: (error: Error) => void;
  /** The frame, until it has been sent. */
  unsent: string | null;
  timer: ReturnType<typeof setTimeout> | null;
}

/** The IPC endpoint, with the harness's access token. */
export function ipcSocketUrl(location: Pick<Location, 'protocol' | 'host'>, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ipc?token=${encodeURIComponent(token)}`;
}

const TOKEN_KEY = 'slipstream-access-token';

/**
 * The access token the harness put in the page's address, taken out of it (so it
 * is not left in the address bar, the history, or a screenshot) and kept in this
 * tab's session storage, where a reload finds it again.
 */
export function takeAccessToken(
  location: Pick<Location, 'search' | 'pathname' | 'hash'>,
  history: Pick<History, 'replaceState'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
): string {
  const params = new URLSearchParams(location.search);
  const given = params.get('token');
  if (given === null) return storage.getItem(TOKEN_KEY) ?? '';
  storage.setItem(TOKEN_KEY, given);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  return given;
}

export class WebSocketTransport implements Transport {
  private socket: WebSocket | null = null;
  private state: ConnectionStatus = 'connecting';
  private opens = 0;
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly statusListeners = new Set<() => void>();

  constructor(private readonly url: string) {
    this.open();
  }

  invoke(command: CommandName, payload: unknown): Promise<unknown> {
    const id = this.nextId++;
    const frame = JSON.stringify({ id, command, payload });
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject, unsent: frame, timer: null };
      this.pending.set(id, entry);
      if (this.state === 'open' && this.socket) {
        this.send(entry);
      } else {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new IpcError('failed', UNREACHABLE_MESSAGE));
        }, QUEUED_REQUEST_TIMEOUT_MS);
      }
    });
  }

  subscribe(event: EventName, listener: (payload: unknown) => void): () => void {
    let set = this.eventListeners.get(event);
    if (!set) this.eventListeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The socket's state, for the banner and for re-fetching after a reconnect. */
  readonly connection: ConnectionMonitor = {
    status: () => this.state,
    epoch: () => this.opens,
    subscribe: (listener) => {
      this.statusListeners.add(listener);
      return () => this.statusListeners.delete(listener);
    },
  };

  private open(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      // A page with no host (file:// without the preload) cannot ever connect.
      this.setState('down');
      return;
    }
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      this.opens += 1;
      this.setState('open');
      for (const entry of this.pending.values()) if (entry.unsent !== null) this.send(entry);
    });
    socket.addEventListener('message', (message) => {
      if (typeof message.data === 'string') this.receive(message.data);
    });
    socket.addEventListener('close', () => this.closed(socket));
    // 'error' is always followed by 'close', which does the work.
  }

  private send(entry: Pending): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    const frame = entry.unsent;
    entry.unsent = null;
    if (frame !== null) this.socket?.send(frame);
  }

  private receive(data: string): void {
    // The harness sends one frame per message; tolerate several lines anyway.
    for (const line of data.split('\n')) {
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        console.warn('ipc: ignored a frame that is not JSON');
        continue;
      }
      const frame = ServerFrame.safeParse(json);
      if (!frame.success) {
        console.warn('ipc: ignored a malformed frame');
      } else if ('id' in frame.data) {
        const entry = this.pending.get(frame.data.id);
        if (!entry) continue; // id 0: the server refusing a frame it could not read
        this.pending.delete(frame.data.id);
        entry.resolve(frame.data.envelope);
      } else {
        const listeners = this.eventListeners.get(frame.data.event);
        for (const listener of listeners ?? []) {
          try {
            listener(frame.data.payload);
          } catch (error) {
            console.error('ipc: event listener failed', error);
          }
        }
      }
    }
  }

  private closed(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.setState('down');
    for (const [id, entry] of this.pending) {
      // Not sent yet (made while connecting): it waits for the next socket, with its timeout.
      if (entry.unsent !== null) continue;
      this.pending.delete(id);
      entry.reject(new IpcError('failed', LOST_MESSAGE));
    }
    setTimeout(() => this.open(), reconnectDelay(this.attempt++));
  }

  private setState(next: ConnectionStatus): void {
    if (this.state === next) return;
    this.state = next;
    for (const listener of this.statusListeners) listener();
  }
}
