/**
 * wg-quick parsing on a worker thread. The helper's main thread carries the
 * tunnel's packets; a large profile takes a parser 100 ms or more (key checks
 * per peer), which would stall them. The worker starts on first use and is
 * let go when idle, so an idle helper holds no thread.
 */
import { Worker } from 'node:worker_threads';
import { ConfigError } from './errors.js';
import type { ProfileFacts } from './summary.js';
import type { WgQuickConfig } from './types.js';

export interface ParseRequest {
  id: number;
  text: string;
  fileName: string;
  /** The whole config, or only its ProfileFacts (much less to copy back). */
  want: 'config' | 'facts';
}

export type ParseReply =
  | { id: number; ok: true; value: WgQuickConfig | ProfileFacts }
  | { id: number; ok: false; file: string; line: number; problem: string };

/** How long an idle worker is kept before it is stopped. */
const IDLE_MS = 30_000;

export class OffThreadParser {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    {
      resolve: (v: WgQuickConfig | ProfileFacts) => void;
      reject: (e: Error) => void;
      worker: Worker;
    }
  >();
  private idle: NodeJS.Timeout | null = null;

  /** Parses like parseWgQuick: resolves with the config, rejects with a ConfigError. */
  parse(text: string, fileName: string): Promise<WgQuickConfig> {
    return this.request(text, fileName, 'config') as Promise<WgQuickConfig>;
  }

  /** Parses, and answers with the profile's facts only; rejects with a ConfigError. */
  facts(text: string, fileName: string): Promise<ProfileFacts> {
    return this.request(text, fileName, 'facts') as Promise<ProfileFacts>;
  }

  private request(
    text: string,
    fileName: string,
    want: ParseRequest['want'],
  ): Promise<WgQuickConfig | ProfileFacts> {
    const worker = this.start();
    const id = this.nextId++;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker });
      worker.postMessage({ id, text, fileName, want } satisfies ParseRequest);
    });
  }

  async close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./parse-worker-main.js', import.meta.url));
    worker.unref();
    worker.on('message', (reply: ParseReply) => this.answer(reply));
    const fail = (why: string) => {
      if (this.worker === worker) this.worker = null;
      // Only this worker's requests: after close() and a new request, the old worker's
      // late 'exit' must not fail what the new one is parsing.
      for (const [id, w] of this.waiting) {
        if (w.worker !== worker) continue;
        this.waiting.delete(id);
        w.reject(new Error(`the config parser ${why}`));
      }
    };
    worker.on('error', () => fail('failed'));
    worker.on('exit', () => fail('stopped'));
    this.worker = worker;
    return worker;
  }

  private answer(reply: ParseReply): void {
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    if (reply.ok) w.resolve(reply.value);
    else w.reject(new ConfigError(reply.file, reply.line, reply.problem));
    if (this.waiting.size === 0) {
      this.idle = setTimeout(() => void this.close(), IDLE_MS);
      this.idle.unref();
    }
  }
}
