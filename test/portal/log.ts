// JSON lines on stderr, one per event, so tests and demos can read them with JSON.parse.
// Callers pass only non-secret fields: tokens, codes and passwords are never logged.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export function log(level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}) {
  const line = { time: new Date().toISOString(), level, message, ...fields };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/** The message of an error, without its stack (which may be long and is never shown to users). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
