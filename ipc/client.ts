/**
 * The sending side (renderer through the preload bridge, the web harness over a
 * WebSocket, or the GUI towards the helper): one typed function per command and
 * per event, derived from the schema, validating everything that comes back.
 * The transport is only "send a named payload, get an envelope back" and
 * "subscribe to a named event", so Electron, WebSocket and tests share it.
 */
import {
  commands,
  Envelope,
  events,
  type CommandName,
  type ErrorCode,
  type EventName,
  type EventOf,
  type RequestOf,
  type ResponseOf,
} from './schema.js';

export interface Transport {
  invoke(command: CommandName, payload: unknown): Promise<unknown>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

/** A failed command as the caller sees it: a code and a sentence for the user. */
export class IpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

export type Client = {
  [C in CommandName]: (request: RequestOf<C>) => Promise<ResponseOf<C>>;
} & {
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
};

export function createClient(
  transport: Transport,
  onInvalidEvent: (event: EventName) => void = () => {},
): Client {
  const client: Record<string, unknown> = {};
  for (const name of Object.keys(commands) as CommandName[]) {
    client[name] = async (request: unknown) => {
      // Checked here too, so a bad call fails before it leaves the process.
      const checked = commands[name].request.safeParse(request);
      if (!checked.success) throw new IpcError('invalid-request', `bad ${name} request`);
      const envelope = Envelope.safeParse(await transport.invoke(name, checked.data));
      if (!envelope.success) throw new IpcError('invalid-response', `${name}: malformed answer`);
      if (!envelope.data.ok)
        throw new IpcError(envelope.data.error.code, envelope.data.error.message);
      const value = commands[name].response.safeParse(envelope.data.value);
      if (!value.success) throw new IpcError('invalid-response', `${name}: invalid answer`);
      return value.data;
    };
  }
  client.on = (event: EventName, listener: (payload: unknown) => void) =>
    transport.subscribe(event, (payload) => {
      const parsed = events[event].safeParse(payload);
      if (parsed.success) listener(parsed.data);
      else onInvalidEvent(event);
    });
  return client as Client;
}
