/**
 * Interrupting a multi-step start-up (the CLI's Ctrl-C, the helper's
 * disconnect during a connect): steps check an AbortSignal between them and
 * throw Interrupted, and whoever collected undo steps rolls them back.
 */

/** Rejects with Interrupted as soon as `signal` aborts; otherwise settles as `work` does. */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The error a step throws when it finds the start-up was interrupted. */
export class Interrupted extends Error {
  constructor(readonly by: string) {
    super(`interrupted by ${by}`);
    this.name = 'Interrupted';
  }
}

export function abortError(signal: AbortSignal): Interrupted {
  return new Interrupted(typeof signal.reason === 'string' ? signal.reason : 'a stop request');
}

/** Throws Interrupted when `signal` has been aborted: a check between start-up steps. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
