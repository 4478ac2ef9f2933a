/**
 * The structured logger shared by the CLI, the privileged helper and the main
 * process. Every line is one JSON object: time, level, target, message, then
 * the caller's fields. Logging never throws into the caller: a value that
 * cannot be rendered is replaced, and a failing sink is reported once on
 * stderr and otherwise ignored.
 */
import { levelRank, type LogLevel } from './levels.js';
import { FieldRenderer, SecretScrubber } from './render.js';
import type { LogSink } from './sinks.js';

export { LOG_LEVELS, parseLogLevel, type LogLevel } from './levels.js';
export { fileSink, streamSink, type FileSinkOptions, type LogSink } from './sinks.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
  /** A logger writing to the same sinks under another target name. */
  child(target: string): Logger;
  /** Whether a message at `level` would be written; lets callers skip building costly fields. */
  enabled(level: LogLevel): boolean;
}

export interface RootLogger extends Logger {
  /** Scrubs this exact text from every later message and string field, in all children too. */
  addSecret(secret: string): void;
  /** Resolves once every sink has handed what it was given to the OS. */
  flush(): Promise<void>;
  /** Changes the level for this logger and all its children (the app's log-level setting). */
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level: LogLevel;
  target: string;
  sinks: LogSink[];
  clock?: () => Date;
}

/** The part shared by a logger and all its children. */
interface LoggerCore {
  rank: number;
  sinks: LogSink[];
  clock: () => Date;
  scrubber: SecretScrubber;
  failedSinks: Set<LogSink>;
}

const RESERVED = new Set(['time', 'level', 'target', 'message']);

function timestamp(core: LoggerCore): string {
  try {
    return core.clock().toISOString();
  } catch {
    // An injected clock returning an invalid Date must not cost the line.
    return new Date().toISOString();
  }
}

/** Builds the line by hand so the four standard keys always come first, whatever the field names. */
function formatLine(
  core: LoggerCore,
  level: LogLevel,
  target: string,
  message: string,
  fields: LogFields | undefined,
): string {
  const renderer = new FieldRenderer(core.scrubber);
  let line =
    `{"time":${JSON.stringify(timestamp(core))},"level":"${level}"` +
    `,"target":${JSON.stringify(renderer.string(target))}` +
    `,"message":${JSON.stringify(renderer.string(String(message)))}`;
  if (!fields) return `${line}}`;
  const used = new Set(RESERVED);
  for (const key of Object.keys(fields)) {
    let value: unknown;
    try {
      value = renderer.field(key, fields[key]);
    } catch {
      value = '[unrenderable]';
    }
    if (value === undefined) continue;
    // A field may not masquerade as one of the standard keys.
    let name = renderer.string(key);
    while (used.has(name)) name = `_${name}`;
    used.add(name);
    line += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  return `${line}}`;
}

function reportSinkFailure(core: LoggerCore, sink: LogSink, err: unknown): void {
  if (core.failedSinks.has(sink)) return;
  core.failedSinks.add(sink);
  const reason = err instanceof Error ? err.message : String(err);
  try {
    process.stderr.write(
      `slipstream: a log output failed (${core.scrubber.scrub(reason)}); further failures of it are not reported\n`,
    );
  } catch {
    // stderr itself may be the broken sink.
  }
}

function emit(
  core: LoggerCore,
  level: LogLevel,
  target: string,
  message: string,
  fields: LogFields | undefined,
): void {
  if (levelRank(level) > core.rank) return;
  let line: string;
  try {
    line = formatLine(core, level, target, message, fields);
  } catch {
    line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      target: core.scrubber.scrub(String(target)),
      message: '[log line could not be rendered]',
    });
  }
  for (const sink of core.sinks) {
    try {
      sink.write(line);
    } catch (err) {
      reportSinkFailure(core, sink, err);
    }
  }
}

function makeLogger(core: LoggerCore, target: string): Logger {
  return {
    error: (message, fields) => emit(core, 'error', target, message, fields),
    warn: (message, fields) => emit(core, 'warn', target, message, fields),
    info: (message, fields) => emit(core, 'info', target, message, fields),
    debug: (message, fields) => emit(core, 'debug', target, message, fields),
    trace: (message, fields) => emit(core, 'trace', target, message, fields),
    child: (childTarget) => makeLogger(core, childTarget),
    enabled: (level) => levelRank(level) <= core.rank,
  };
}

export function createLogger(options: LoggerOptions): RootLogger {
  const core: LoggerCore = {
    rank: levelRank(options.level),
    sinks: [...options.sinks],
    clock: options.clock ?? (() => new Date()),
    scrubber: new SecretScrubber(),
    failedSinks: new Set(),
  };
  return {
    ...makeLogger(core, options.target),
    addSecret: (secret) => core.scrubber.add(secret),
    setLevel: (level) => {
      core.rank = levelRank(level);
    },
    flush: async () => {
      await Promise.all(
        core.sinks.map(async (sink) => {
          try {
            await sink.flush?.();
          } catch (err) {
            reportSinkFailure(core, sink, err);
          }
        }),
      );
    },
  };
}
