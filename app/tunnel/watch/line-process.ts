/**
 * A long-running system tool whose stdout is read line by line (`ip monitor`,
 * `gdbus monitor`). It stays in our process group, so Ctrl-C in a terminal and
 * systemd's stop reach it with us; should we be killed outright, it exits at
 * its next write to the closed pipe (SIGPIPE). Its failure is never the tunnel's: a missing tool or one
 * that exits is reported once through `onExit`, and the caller decides
 * whether to try again. Lines are capped so a misbehaving tool cannot grow
 * our memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const MAX_LINE = 64 * 1024;

export interface LineProcess {
  stop(): void;
}

export function startLineProcess(
  file: string,
  args: string[],
  onLine: (line: string) => void,
  /** `interrupted`: ended by SIGINT/SIGTERM/SIGHUP, i.e. Ctrl-C in the terminal or a shutdown. */
  onExit: (why: string, interrupted: boolean) => void,
): LineProcess {
  let child: ChildProcess | null = null;
  let stopped = false;
  let partial = '';
  let reported = false;
  const exit = (why: string, interrupted = false) => {
    if (reported || stopped) return;
    reported = true;
    onExit(why, interrupted);
  };
  try {
    child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (err) {
    queueMicrotask(() => exit(err instanceof Error ? err.message : String(err)));
    return { stop: () => (stopped = true) };
  }
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (!stopped) onLine(line.slice(0, MAX_LINE));
    }
    if (partial.length > MAX_LINE) partial = '';
  });
  child.on('error', (err: NodeJS.ErrnoException) =>
    exit(err.code === 'ENOENT' ? `${file}: command not found` : err.message),
  );
  child.on('exit', (code, signal) =>
    exit(
      `${file} exited (${signal ?? `status ${code}`})`,
      signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP',
    ),
  );
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      child?.kill('SIGTERM');
    },
  };
}
