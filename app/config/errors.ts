/**
 * The one error type for anything wrong with a config file, carrying the file
 * and line so the CLI and the UI can point at it. Messages never contain key
 * material: callers build `problem` without echoing secret values.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string;
  /** 1-based line number; 0 when the problem concerns the whole file. */
  readonly line: number;
  /** The message without the location prefix. */
  readonly problem: string;

  constructor(file: string, line: number, problem: string) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.file = file;
    this.line = line;
    this.problem = problem;
  }
}
