/**
 * Reconnect delays for the GUI's link to the helper: exponential with full
 * jitter, capped, so many GUIs do not hammer a restarting service in step.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Returns [0, 1); injectable for tests. */
  random?: () => number;
}

export function backoffDelays(options: BackoffOptions = {}): (attempt: number) => number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  return (attempt) => {
    const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
    return Math.round(initial / 2 + random() * (ceiling - initial / 2));
  };
}
