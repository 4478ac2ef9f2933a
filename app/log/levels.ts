/** Log levels, most to least severe; a logger set to a level emits that level and above. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace'];

/** 0 for error up to 4 for trace. */
export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

export function isLogLevel(text: unknown): text is LogLevel {
  return typeof text === 'string' && (LOG_LEVELS as readonly string[]).includes(text);
}

/** Case-insensitive; throws a short Error listing the valid levels. */
export function parseLogLevel(text: string): LogLevel {
  const level = text.trim().toLowerCase();
  if (isLogLevel(level)) return level;
  const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text;
  throw new Error(
    `unknown log level ${JSON.stringify(shown)} (expected one of: ${LOG_LEVELS.join(', ')})`,
  );
}
