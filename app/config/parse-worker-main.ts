/**
 * The worker side of parse-off-thread.ts: parses wg-quick texts posted to it
 * and answers with the config or the ConfigError's parts.
 */
import { parentPort } from 'node:worker_threads';
import { ConfigError } from './errors.js';
import { parseWgQuick } from './parse.js';
import { profileFacts } from './summary.js';
import type { ParseReply, ParseRequest } from './parse-off-thread.js';

parentPort?.on('message', ({ id, text, fileName, want }: ParseRequest) => {
  let reply: ParseReply;
  try {
    const config = parseWgQuick(text, fileName);
    reply = { id, ok: true, value: want === 'facts' ? profileFacts(config) : config };
  } catch (err) {
    reply =
      err instanceof ConfigError
        ? { id, ok: false, file: err.file, line: err.line, problem: err.problem }
        : { id, ok: false, file: fileName, line: 0, problem: 'could not be read' };
  }
  parentPort?.postMessage(reply);
});
