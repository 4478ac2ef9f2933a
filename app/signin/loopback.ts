/**
 * The loopback redirect listener of RFC 8252 §7.3: an http server on 127.0.0.1
 * with a port the OS picks, valid for one sign-in. The provider sends the
 * browser to http://127.0.0.1:{port}/callback?code=...&state=...; the first
 * such request that belongs to this sign-in (its `state` matches) is handed
 * to the caller, whose verdict decides the page the browser shows. Any local
 * process can reach the port, so a request that is not ours gets 404 and the
 * listener keeps waiting: a stray `/callback?state=bogus` cannot end the
 * sign-in. Plain http is right here: the traffic never leaves the host.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LoopbackUnavailableError,
  SignInCancelledError,
  SignInTimeoutError,
  SigninError,
} from './errors.js';
import { CALLBACK_PAGE_HEADERS, callbackPage } from './callback-page.js';

export const CALLBACK_PATH = '/callback';
export const DEFAULT_SIGNIN_TIMEOUT_MS = 5 * 60_000;

export interface LoopbackListener {
  /** http://127.0.0.1:{port}/callback */
  readonly redirectUri: string;
  /**
   * Waits for the browser's callback (a request `isOurs` accepts) and runs
   * `handle` on its full URL. Resolves with what `handle` returns; rejects with
   * its error (after showing it in the browser), on timeout or on abort.
   * Closes the listener either way.
   */
  wait<T>(
    isOurs: (callbackUrl: URL) => boolean,
    handle: (callbackUrl: URL) => Promise<T>,
  ): Promise<T>;
  /** Stops listening (idempotent); for callers that give up before wait(). */
  close(): void;
}

export interface LoopbackOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

function isCallback(url: URL): boolean {
  const q = url.searchParams;
  return url.pathname === CALLBACK_PATH && (q.has('code') || q.has('error') || q.has('state'));
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m >= 1) return m === 1 ? '1 minute' : `${m} minutes`;
  const s = Math.max(1, Math.round(ms / 1000));
  return s === 1 ? '1 second' : `${s} seconds`;
}

export async function openLoopbackListener(
  options: LoopbackOptions = {},
): Promise<LoopbackListener> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SIGNIN_TIMEOUT_MS;
  // Set once wait() is called; requests before that are answered "not ready".
  let onCallback: ((url: URL, res: ServerResponse) => void) | null = null;
  let accepts: ((url: URL) => boolean) | null = null;
  let handled = false;
  let port = 0;
  const notOurs = (res: ServerResponse) => {
    res.writeHead(404, { ...CALLBACK_PAGE_HEADERS, connection: 'close' });
    res.end(callbackPage(false, 'This is not a Slipstream sign-in address.'));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      notOurs(res);
      return;
    }
    const full = new URL(`${url.pathname}${url.search}`, `http://127.0.0.1:${port}`);
    if (req.method !== 'GET' || !isCallback(url) || (accepts && !accepts(full))) {
      notOurs(res);
      return;
    }
    if (handled || !onCallback) {
      res.writeHead(409, { ...CALLBACK_PAGE_HEADERS, connection: 'close' });
      res.end(callbackPage(false, 'This sign-in attempt is no longer active.'));
      return;
    }
    handled = true;
    onCallback(full, res);
  });
  // Keep-alive sockets from the browser must not hold the process open later.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    const refuse = () => reject(new LoopbackUnavailableError());
    server.once('error', refuse);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    server.close();
    // Give the final page a moment to flush before dropping idle connections.
    setTimeout(() => server.closeAllConnections(), 250).unref();
  };

  const wait = <T>(
    isOurs: (callbackUrl: URL) => boolean,
    handle: (callbackUrl: URL) => Promise<T>,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      accepts = isOurs;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        onCallback = null;
        accepts = null;
        handled = true;
        close();
        fn();
      };
      const onAbort = () => finish(() => reject(new SignInCancelledError()));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new SignInTimeoutError(
                `The sign-in was not completed within ${minutes(timeoutMs)}. Please try again.`,
              ),
            ),
          ),
        timeoutMs,
      );
      onCallback = (fullUrl, res) => {
        // The timer stops now: the exchange that follows has its own timeouts.
        if (timer) clearTimeout(timer);
        handle(fullUrl).then(
          (value) => {
            res.writeHead(200, { ...CALLBACK_PAGE_HEADERS, connection: 'close' });
            res.end(callbackPage(true));
            finish(() => resolve(value));
          },
          (err: unknown) => {
            const message =
              err instanceof SigninError ? err.message : 'The sign-in did not complete.';
            res.writeHead(400, { ...CALLBACK_PAGE_HEADERS, connection: 'close' });
            res.end(callbackPage(false, message));
            finish(() => reject(err));
          },
        );
      };
    });

  return { redirectUri, wait, close };
}
