/**
 * The receiving side of a command channel (main process, or the helper):
 * validates each request against the schema, runs the handler, validates what
 * the handler returns, and answers with an Envelope. Handler exceptions become
 * a short typed error; their stacks never cross the boundary.
 */
import {
  commands,
  isCommandName,
  type CommandName,
  type Envelope,
  type ErrorCode,
  type RequestOf,
  type ResponseOf,
} from './schema.js';

export type Handlers = {
  [C in CommandName]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** A handler may throw this to choose the error code and the sentence the user sees. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

const fail = (code: ErrorCode, message: string): Envelope => ({
  ok: false,
  error: { code, message: message.slice(0, 500) },
});

/** Summarises validation issues without echoing values (they may be secrets). */
function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || 'payload'}: ${i.message}`)
    .join('; ');
}

/**
 * `handlers` may cover a subset of the commands (the helper answers only
 * `helperCommandNames`); anything else is refused as an unknown command.
 */
export function createDispatcher<C extends CommandName = CommandName>(
  handlers: Pick<Handlers, C>,
  onHandlerError: (command: CommandName, error: unknown) => void = () => {},
): (command: unknown, payload: unknown) => Promise<Envelope> {
  return async (command, payload) => {
    if (!isCommandName(command) || !Object.hasOwn(handlers, command)) {
      return fail('unknown-command', 'unknown command');
    }
    const spec = commands[command];
    const request = spec.request.safeParse(payload);
    if (!request.success) {
      return fail(
        'invalid-request',
        `bad ${command} request: ${describeIssues(request.error.issues)}`,
      );
    }
    let value: unknown;
    try {
      const handler = (handlers as Partial<Handlers>)[command] as (r: unknown) => unknown;
      value = await handler(request.data);
    } catch (error) {
      onHandlerError(command, error);
      if (error instanceof CommandError) return fail(error.code, error.message);
      return fail('failed', `${command} failed`);
    }
    const response = spec.response.safeParse(value);
    if (!response.success) {
      onHandlerError(command, new Error(describeIssues(response.error.issues)));
      return fail('invalid-response', `${command} produced an invalid answer`);
    }
    return { ok: true, value: response.data };
  };
}
