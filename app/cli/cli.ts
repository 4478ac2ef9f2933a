/**
 * The `slipstream` commands, loaded by main.ts once signals are caught. Every
 * failure a user can cause ends here as one short line on stderr and a
 * non-zero exit status, never a stack trace (set SLIPSTREAM_DEBUG=1 to see one).
 */
import { readFileSync } from 'node:fs';
import { HELP, parseArgs, UsageError } from './args.js';
import { runDown } from './down.js';
import { runLogin } from './login.js';
import { runLogout } from './logout.js';
import { Interrupted, signalExitCode, type Shutdown } from './shutdown.js';
import { runUp } from './up.js';

function version(): string {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return pkg.version ?? 'unknown';
}

export async function main(argv: readonly string[], shutdown: Shutdown): Promise<number> {
  try {
    const cmd = parseArgs(argv);
    switch (cmd.command) {
      case 'help':
        process.stdout.write(HELP + '\n');
        return 0;
      case 'version':
        process.stdout.write(`slipstream ${version()}\n`);
        return 0;
      case 'up':
        return await runUp(cmd, shutdown);
      case 'down':
        return await runDown(cmd);
      case 'login':
        return await runLogin(cmd, shutdown.signal);
      case 'logout':
        return await runLogout(cmd);
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      // Whatever was under way has undone its steps; nothing is left to say but that.
      process.stderr.write(`slipstream: stopped (${err.by})\n`);
      return signalExitCode(err.by);
    }
    if (process.env.SLIPSTREAM_DEBUG) console.error(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`slipstream: ${message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
