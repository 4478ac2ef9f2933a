/**
 * The app-scheme alternative to the loopback redirect (RFC 8252 §7.1): the
 * provider sends the browser to `slipstream://signin/callback?...`, the OS
 * hands that URL to the running app (Electron's second-instance / open-url),
 * and the app drops it here, where the waiting sign-in picks it up. Links that
 * arrive while nobody waits are dropped: a stray or replayed link must not
 * complete a later sign-in.
 */
import { SignInCancelledError, SignInTimeoutError } from './errors.js';

export class DeepLinkInbox {
  private waiter: ((url: string) => void) | null = null;
  private cancelWaiting: (() => void) | null = null;

  /** Hands a received link to the sign-in waiting for one; false if none was waiting. */
  deliver(url: string): boolean {
    const waiter = this.waiter;
    if (!waiter) return false;
    waiter(url);
    return true;
  }

  /** The next link delivered, or a sentence-bearing error on timeout or cancellation. */
  next(options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
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
      const waiter = (url: string) => {
        done();
        resolve(url);
      };
      this.waiter = waiter;
      this.cancelWaiting = onAbort;
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
