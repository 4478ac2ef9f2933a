/**
 * Runs system tools (resolvectl, resolvconf, ip) without a shell, with a
 * timeout, and turns every failure into a one-line message: a hung or noisy
 * tool must neither block the tunnel nor flood the log.
 */
import { execFile, type ExecFileOptionsWithStringEncoding } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

export interface CommandOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Keeps the first line of a tool's complaint, short enough for a log line. */
function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * Runs `file`. A tool ended by SIGINT, SIGTERM or SIGHUP that we did not send
 * is run once more: Ctrl-C signals the CLI's whole process group, and a child
 * forked at that instant is still in the group until its setsid(); the signal
 * then stays pending and kills it right after the child resets its handlers,
 * before exec. The tool never ran, so running it again is safe; a second
 * fork is already in its own session.
 */
export async function runCommand(
  file: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  try {
    return await runOnce(file, args, options);
  } catch (err) {
    if (!(err instanceof GroupSignalled)) throw err;
    return runOnce(file, args, options).catch((again: unknown) => {
      throw again instanceof GroupSignalled ? new Error(again.message) : again;
    });
  }
}

/** A tool ended by a signal a terminal or service manager sends to a process group. */
class GroupSignalled extends Error {}

const GROUP_SIGNALS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);

function runOnce(file: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  const shown = [path.basename(file), ...args].join(' ');
  const execOptions: ExecFileOptionsWithStringEncoding & { detached: boolean } = {
    timeout: options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 4 * 1024 * 1024,
    encoding: 'utf8',
    // A localized message would be harder to match in bug reports.
    env: { ...process.env, LC_ALL: 'C' },
    // A process group of its own (execFile passes it on to spawn): Ctrl-C in the terminal
    // signals the CLI's whole group, and a tool killed half-way (resolvectl, nft) would fail
    // the step the CLI then wants to finish or undo in order.
    detached: true,
  };
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, execOptions, (err, stdout, stderr) => {
      if (!err) {
        resolve({ stdout, stderr });
        return;
      }
      const e = err as NodeJS.ErrnoException & {
        killed?: boolean;
        code?: string | number;
        signal?: NodeJS.Signals | null;
      };
      let reason: string;
      if (e.code === 'ENOENT') reason = 'command not found';
      else if (e.killed)
        reason = `timed out after ${options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS} ms`;
      else if (typeof e.code === 'number') {
        reason = `exit status ${e.code}${stderr.trim() ? `: ${firstLine(stderr)}` : ''}`;
      } else if (e.signal) {
        const message = `${shown}: ended by ${e.signal}`;
        reject(GROUP_SIGNALS.has(e.signal) ? new GroupSignalled(message) : new Error(message));
        return;
      } else reason = firstLine(e.message);
      reject(new Error(`${shown}: ${reason}`));
    });
    // A tool that exits before reading stdin makes the write fail with EPIPE;
    // the exit status already reports that, so the stream error is dropped.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** The absolute path of an executable found in PATH (plus the sbin dirs root uses), or null. */
export async function findExecutable(name: string): Promise<string | null> {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const extra of ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (!dirs.includes(extra)) dirs.push(extra);
  }
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      const stat = await fs.stat(candidate);
      if (!stat.isFile()) continue;
      await fs.access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}
