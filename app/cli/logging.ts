/** The CLI's logger: JSONL on stderr, optionally also to a rotated file. */
import {
  createLogger,
  fileSink,
  streamSink,
  type LogLevel,
  type LogSink,
  type RootLogger,
} from '../log/logger.js';

export function createCliLogger(options: {
  logLevel: LogLevel;
  logFile?: string | null;
}): RootLogger {
  const sinks: LogSink[] = [streamSink(process.stderr)];
  if (options.logFile) sinks.push(fileSink(options.logFile));
  return createLogger({ level: options.logLevel, target: 'slipstream', sinks });
}
