/**
 * Ctrl-C and SIGTERM for the whole life of a CLI process. The handlers are
 * installed by main.ts before any other module is even loaded, so there is no
 * moment, from the first line to a running tunnel, where a signal kills the
 * process with half a tunnel configured: the first signal only aborts
 * `signal`, and whatever is under way notices, undoes its steps and returns.
 * A second signal means the user insists: exit at once (the journal lets the
 * next start, or `slipstream down`, remove what is left).
 */

export interface Shutdown {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** Called, instead of exiting, on a second signal; set by whoever can log it. */
  onSecondSignal: ((signal: NodeJS.Signals) => void) | null;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Exit status for a stop the user asked for by signal: the conventional 128 + number. */
export function signalExitCode(signal: string): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}

export function catchSignals(): Shutdown {
  const controller = new AbortController();
  const shutdown: Shutdown = { signal: controller.signal, onSecondSignal: null };
  const handle = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      controller.abort(signal);
      return;
    }
    if (shutdown.onSecondSignal) shutdown.onSecondSignal(signal);
    else process.exit(signalExitCode(signal));
  };
  for (const s of SIGNALS) process.on(s, handle);
  return shutdown;
}

export { Interrupted, throwIfInterrupted, unlessAborted } from '../util/interrupt.js';
