// The byte-level level classifier agrees with parseLogLine on every line, damaged or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { levelRank } from '../../../app/log/levels.js';
import { fastLevel, levelCode, MALFORMED } from '../../../app/log/line-shape.js';
import { parseLogLine } from '../../../app/log/parse.js';
import { fixtureLines, seededRandom } from './log-fixture.js';

function expected(line: string): number {
  const parsed = parseLogLine(line);
  return parsed.ok ? levelRank(parsed.entry.level) : MALFORMED;
}

function check(line: string): void {
  const buf = Buffer.from(line, 'utf8');
  assert.equal(levelCode(buf, 0, buf.length), expected(line), JSON.stringify(line));
}

const T = '2026-11-25T08:00:00.000Z';
const head = `{"time":"${T}","level":"info","target":"t","message":"m"`;

test('crafted lines: the fast path never accepts what parseLogLine rejects', () => {
  const lines = [
    `${head}}`,
    `${head},"a":1}`,
    `${head},"a":{"b":[1,2,{"c":null}],"d":true},"e":"x\\u00e9\\n"}`,
    `${head},"a":-0.5e+10,"b":0,"c":[],"d":{}}`,
    `${head},"a":01}`,
    `${head},"a":1.}`,
    `${head},"a":.5}`,
    `${head},"a":-}`,
    `${head},"a":tru}`,
    `${head},"a":[1,]}`,
    `${head},"a":{"b":1,}}`,
    `${head},"a":"\\x"}`,
    `${head},"a":"\\u12g4"}`,
    `${head},"a":"tab\there"}`,
    `${head},"level":"error"}`,
    `${head},"\\u006cevel":"error"}`,
    `${head},"time":"x"}`,
    `${head},"Level":"error"}`,
    `${head}} `,
    `${head} }`,
    `${head}}}`,
    `${head}`,
    `{"time":"2026-02-30T08:00:00.000Z","level":"warn","target":"t","message":"m"}`,
    `{"time":"2026-02-32T08:00:00.000Z","level":"warn","target":"t","message":"m"}`,
    `{"time":"2026-13-01T08:00:00.000Z","level":"warn","target":"t","message":"m"}`,
    `{"time":"2026-01-01T24:00:00.000Z","level":"warn","target":"t","message":"m"}`,
    `{"time":"2026-01-01T08:00:00Z","level":"warn","target":"t","message":"m"}`,
    `{"time":"2026-01-01t08:00:00.000z","level":"warn","target":"t","message":"m"}`,
    `{"time":"${T}","level":"warning","target":"t","message":"m"}`,
    `{"time":"${T}","level":"INFO","target":"t","message":"m"}`,
    `{"time":"${T}","level":"debug","target":5,"message":"m"}`,
    `{"time":"${T}","level":"trace","message":"m","target":"t"}`,
    `{ "time":"${T}","level":"error","target":"t","message":"m"}`,
    `{"time":"${T}","level":"error","target":"t","message":"m\u0001"}`,
    `{"time":"${T}","level":"error","target":"t","message":"İ K é 日本"}`,
    '',
    'garbage',
    '[1]',
  ];
  for (const line of lines) check(line);
  assert.equal(fastLevel(Buffer.from(`${head}}`), 0, head.length + 1), 2);
});

test('fuzz: damaged logger lines classify exactly as parseLogLine does', () => {
  const rand = seededRandom(42);
  const good = fixtureLines({ lines: 400, seed: 3, malformed: 0 });
  const alphabet = '{}[]",:0123456789.-+eEtrufalsn\\u /é\t';
  for (let round = 0; round < 20_000; round++) {
    let line = good[Math.floor(rand() * good.length)]!;
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * line.length);
      const r = rand();
      const ch = alphabet[Math.floor(rand() * alphabet.length)]!;
      if (r < 0.4) line = line.slice(0, at) + line.slice(at + 1);
      else if (r < 0.7) line = line.slice(0, at) + ch + line.slice(at);
      else line = line.slice(0, at) + ch + line.slice(at + 1);
    }
    check(line);
  }
});
