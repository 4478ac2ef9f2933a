/**
 * The app-scheme alternative to the loopback redirect (RFC 8252 §7.1): the
 * provider sends the browser to `slipstream://signin/callback?...`, the OS
 * hands that URL to the running app (Electron's second-instance / open-url),
 * and the app drops it here, where the waiting sign-in picks it up. Links that
 * arrive while nobody waits, or that the waiting sign-in does not recognise
 * as its own (state), are dropped and the wait goes on: any program can open a
 * `slipstream://` link, and a stray or replayed one must neither complete nor
 * end a sign-in.
 */
import { SignInCancelledError, SignInTimeoutError } from './errors.js';

export class DeepLinkInbox {
  private waiter: ((url: string) => boolean) | null = null;
  private cancelWaiting: (() => void) | null = null;

  /** Hands a received link to the waiting sign-in; false if none waited or it was not its link. */
  deliver(url: string): boolean {
    const waiter = this.waiter;
    return waiter ? waiter(url) : false;
  }

  /**
   * The next delivered link that `accept` recognises, or a sentence-bearing
   * error on timeout or cancellation.
   */
  next(options: {
    accept: (url: string) => boolean;
    timeoutMs: number;
    signal?: AbortSignal;
  }): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      // One sign-in waits at a time; a newer wait supersedes an older one.
      this.cancelWaiting?.();
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (this.waiter === waiter) {
          this.waiter = null;
          this.cancelWaiting = null;
        }
      };
      const onAbort = () => {
        done();
        reject(new SignInCancelledError());
      };
      const timer = setTimeout(() => {
        done();
        reject(new SignInTimeoutError('The sign-in was not completed in time. Please try again.'));
      }, options.timeoutMs);
      const waiter = (url: string): boolean => {
        if (!options.accept(url)) return false;
        done();
        resolve(url);
        return true;
      };
      this.waiter = waiter;
      this.cancelWaiting = onAbort;
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
