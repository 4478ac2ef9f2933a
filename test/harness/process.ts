// Long-running child processes (servers, daemons, the client under test) that the harness
// supervises: their output is kept for diagnostics and they are always killed at cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { registerCleanup } from './cleanup.js';
import { childEnv, describeCommand } from './system.js';
import { waitFor } from './wait.js';

export interface ManagedSpawnOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  cwd?: string;
  /** Name used in error messages; defaults to the command line. */
  label?: string;
  /** How much of stdout and of stderr to keep (the newest part). Default 1 MiB each. */
  keepBytes?: number;
  /**
   * Start it as the leader of a process group of its own, as a shell starts a job, so
   * that `signalGroup` can signal it and its children the way Ctrl-C in a terminal does.
   */
  processGroup?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

export interface StopOptions {
  /** First signal to send. Default SIGTERM. */
  signal?: NodeJS.Signals;
  /** How long to wait before escalating to SIGKILL. Default 3 s. */
  graceMs?: number;
}

const DEFAULT_KEEP_BYTES = 1024 * 1024;

export class ManagedProcess {
  readonly child: ChildProcess;
  readonly label: string;
  /** Resolves (never rejects) once the process has exited or failed to start. */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | null = null;
  private out = '';
  private err = '';
  private readonly keep: number;
  private readonly unregister: () => void;

  constructor(cmd: string, args: readonly string[], opts: ManagedSpawnOptions = {}) {
    this.label = opts.label ?? describeCommand(cmd, args);
    this.keep = opts.keepBytes ?? DEFAULT_KEEP_BYTES;
    this.child = spawn(cmd, args, {
      env: childEnv(opts.env),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: opts.processGroup ?? false,
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (s: string) => {
      this.out = this.trim(this.out + s);
    });
    this.child.stderr?.on('data', (s: string) => {
      this.err = this.trim(this.err + s);
    });
    this.child.stdin?.on('error', () => {});
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('error', (error: Error) => {
        // 'error' without a pid means the spawn itself failed and 'close' may never come.
        if (this.child.pid === undefined) {
          this.exitInfo = { code: null, signal: null, error };
          resolve(this.exitInfo);
        }
      });
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    this.unregister = registerCleanup({
      label: `process ${this.label}`,
      run: async () => {
        await this.stop();
      },
      runSync: () => this.killSync(),
    });
    void this.exited.then(() => this.unregister());
  }

  private trim(s: string): string {
    return s.length > this.keep ? s.slice(s.length - this.keep) : s;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything kept from stdout so far. */
  stdout(): string {
    return this.out;
  }

  /** Everything kept from stderr so far. */
  /** Signals the whole process group (see `processGroup`), as a terminal's Ctrl-C does. */
  signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) throw new Error(`${this.label} has no pid`);
    process.kill(-this.child.pid, signal);
  }

  stderr(): string {
    return this.err;
  }

  /** stdout then stderr, for diagnostics. */
  output(): string {
    return [this.out, this.err].filter((s) => s !== '').join('\n');
  }

  isRunning(): boolean {
    return this.exitInfo === null;
  }

  /** The exit status once exited, else null. */
  exitStatus(): ExitInfo | null {
    return this.exitInfo;
  }

  /** Writes to the process's stdin. */
  write(data: string | Buffer): void {
    this.child.stdin?.write(data);
  }

  /** Closes the process's stdin. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /**
   * Waits until stdout or stderr matches `pattern` and returns the match. Fails early, with
   * the output, if the process exits first.
   */
  async waitForOutput(
    pattern: RegExp | string,
    opts: { timeoutMs?: number; stream?: 'stdout' | 'stderr' | 'both' } = {},
  ): Promise<RegExpMatchArray> {
    const re = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
    const stream = opts.stream ?? 'both';
    const text = () =>
      stream === 'stdout' ? this.out : stream === 'stderr' ? this.err : `${this.out}\n${this.err}`;
    const found = await waitFor(
      () => {
        const match = text().match(re);
        if (match) return { match };
        // 'close' comes after the output streams end, so nothing more can arrive.
        if (!this.isRunning()) return { match: null };
        return null;
      },
      { timeoutMs: opts.timeoutMs ?? 10_000, intervalMs: 20, what: `${re} from ${this.label}` },
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}${this.tail()}`);
    });
    if (found.match === null) {
      throw new Error(`${this.label} ${this.describeExit()} before printing ${re}${this.tail()}`);
    }
    return found.match;
  }

  /** "exited 1", "was killed by SIGTERM", "could not start: ..." */
  describeExit(): string {
    const x = this.exitInfo;
    if (x === null) return 'is still running';
    if (x.error) return `could not start: ${x.error.message}`;
    return x.code !== null ? `exited ${x.code}` : `was killed by ${x.signal}`;
  }

  private tail(): string {
    const o = this.output().trim();
    if (o === '') return '';
    return `\n--- last output of ${this.label} ---\n${o.slice(-3000)}`;
  }

  /** Sends `signal`, waits up to graceMs, then SIGKILLs. Resolves once the process is gone. */
  async stop(opts: StopOptions = {}): Promise<ExitInfo> {
    if (!this.isRunning()) return this.exited;
    this.child.kill(opts.signal ?? 'SIGTERM');
    const graceMs = opts.graceMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Immediate SIGKILL, usable from an exit handler. */
  killSync(): void {
    if (this.isRunning() && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Starts a supervised process in the current network namespace. */
export function spawnManaged(
  cmd: string,
  args: readonly string[],
  opts: ManagedSpawnOptions = {},
): ManagedProcess {
  return new ManagedProcess(cmd, args, opts);
}
