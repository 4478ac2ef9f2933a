/**
 * Framing of the IPC schema on a byte stream (the helper's Unix socket or
 * named pipe, the web harness's WebSocket): one JSON object per line.
 * Requests carry an id the response echoes; events carry a name.
 */
import { z } from 'zod';
import { Envelope } from './schema.js';
import type { createDispatcher } from './server.js';

/** Longest line either side accepts: the largest request (a 1 MB profile) plus room. */
export const MAX_LINE_BYTES = 2 * 1024 * 1024;

export const RequestFrame = z.object({
  id: z.number().int().nonnegative(),
  command: z.string().max(64),
  payload: z.unknown(),
});
export const ServerFrame = z.union([
  z.object({ id: z.number().int().nonnegative(), envelope: Envelope }),
  z.object({ event: z.string().max(64), payload: z.unknown() }),
]);

/**
 * Splits a text stream into lines, refusing (with `onTooLong`) any line over
 * MAX_LINE_BYTES instead of buffering without bound. A partial line is kept as
 * its pieces and joined once, when its newline arrives: appending to one
 * growing string would copy it again for every chunk.
 */
export class LineSplitter {
  private pieces: string[] = [];
  private held = 0;
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
  ) {}

  /** Characters of the partial line waiting for its newline. */
  get pending(): number {
    return this.held;
  }

  push(chunk: string): void {
    let from = 0;
    let at = chunk.indexOf('\n');
    while (at !== -1) {
      const tail = chunk.slice(from, at);
      const line = this.pieces.length > 0 ? this.pieces.join('') + tail : tail;
      this.pieces = [];
      this.held = 0;
      if (line.length > MAX_LINE_BYTES) {
        this.onTooLong();
        return;
      }
      if (line.length > 0) this.onLine(line);
      from = at + 1;
      at = chunk.indexOf('\n', from);
    }
    if (from < chunk.length) {
      this.pieces.push(from === 0 ? chunk : chunk.slice(from));
      this.held += chunk.length - from;
    }
    if (this.held > MAX_LINE_BYTES) {
      this.pieces = [];
      this.held = 0;
      this.onTooLong();
    }
  }
}

const refuse = (message: string) => ({
  id: 0,
  envelope: { ok: false, error: { code: 'invalid-request', message } },
});

/**
 * One request line from a stream transport: parsed, checked against
 * RequestFrame, dispatched; `reply` gets the response frame (or the refusal).
 * `text` is null for input that is not text at all (a binary WebSocket frame).
 */
export function answerRequest(
  text: string | null,
  dispatch: ReturnType<typeof createDispatcher>,
  reply: (frame: unknown) => void,
): void {
  let frame: unknown;
  try {
    if (text === null) throw new Error('binary');
    frame = JSON.parse(text);
  } catch {
    reply(refuse('not JSON'));
    return;
  }
  const request = RequestFrame.safeParse(frame);
  if (!request.success) {
    reply(refuse('bad frame'));
    return;
  }
  const { id, command, payload } = request.data;
  // The dispatcher turns handler failures into envelopes; should it ever reject, or the
  // reply itself throw (a socket gone), the caller must not get an unhandled rejection.
  dispatch(command, payload)
    .catch(() => ({ ok: false, error: { code: 'failed', message: `${command} failed` } }) as const)
    .then((envelope) => reply({ id, envelope }))
    .catch(() => undefined);
}
