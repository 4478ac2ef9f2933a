import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import {
  createLogger,
  parseLogLevel,
  streamSink,
  type LogLevel,
  type LogSink,
} from '../../../app/log/logger.js';

/** A real sink that keeps lines in memory, so tests can read back exactly what was written. */
function memorySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line) };
}

const FIXED = new Date('2026-11-25T06:01:46.123Z');

function setup(level: LogLevel = 'trace') {
  const sink = memorySink();
  const log = createLogger({ level, target: 'test', sinks: [sink], clock: () => FIXED });
  const entries = () => sink.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { sink, log, entries };
}

const childModule = new URL('../../../app/log/logger.js', import.meta.url).href;

/** Runs a script with `createLogger`, `streamSink`, `Writable` in scope, in a fresh node process. */
function runChild(body: string): { stdout: string; stderr: string; status: number | null } {
  const script = `
    import { createLogger, streamSink } from ${JSON.stringify(childModule)};
    import { Writable } from 'node:stream';
    ${body}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

test('every line is one JSON object: time, level, target, message first, then fields in order', () => {
  const { sink, log, entries } = setup();
  // Integer-like keys come first in any JS object; they must still follow the standard keys.
  log.info('tunnel up', {
    interface: 'wg0',
    mtu: 1420,
    '2': 'numeric key',
    nested: { a: [1, 'x', null] },
  });
  log.warn('plain');
  assert.equal(sink.lines.length, 2);
  assert.equal(
    sink.lines[0],
    '{"time":"2026-11-25T06:01:46.123Z","level":"info","target":"test","message":"tunnel up",' +
      '"2":"numeric key","interface":"wg0","mtu":1420,"nested":{"a":[1,"x",null]}}',
  );
  assert.deepEqual(Object.keys(entries()[1]!), ['time', 'level', 'target', 'message']);
  for (const line of sink.lines) assert.ok(!line.includes('\n'));
});

test('time is RFC 3339 UTC with milliseconds from the real clock by default', () => {
  const sink = memorySink();
  const log = createLogger({ level: 'info', target: 't', sinks: [sink] });
  const before = Date.now();
  log.info('now');
  const time = (JSON.parse(sink.lines[0]!) as { time: string }).time;
  assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(time) - before) < 5000);
});

test('messages with newlines and quotes stay on one line; fields cannot impersonate standard keys', () => {
  const { sink, log, entries } = setup();
  log.info('line one\nline "two"', { message: 'sneaky', level: 'error', _level: 'x', time: 0 });
  assert.equal(sink.lines.length, 1);
  const entry = entries()[0]!;
  assert.equal(entry.message, 'line one\nline "two"');
  assert.equal(entry.level, 'info');
  assert.equal(entry.time, '2026-11-25T06:01:46.123Z');
  assert.equal(entry._message, 'sneaky');
  // Renamed in field order: "level" takes "_level", so the caller's "_level" moves on to "__level".
  assert.equal(entry._level, 'error');
  assert.equal(entry.__level, 'x');
  assert.equal(entry._time, 0);
});

test('level filtering and enabled()', () => {
  const levels: LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace'];
  for (const [rank, configured] of levels.entries()) {
    const { log, entries } = setup(configured);
    for (const level of levels) log[level](`at ${level}`);
    assert.deepEqual(
      entries().map((e) => e.level),
      levels.slice(0, rank + 1),
      `configured ${configured}`,
    );
    for (const [i, level] of levels.entries()) assert.equal(log.enabled(level), i <= rank);
    assert.equal(log.child('x').enabled('trace'), configured === 'trace');
  }
});

test('child loggers change the target and share sinks, level and secrets', () => {
  const { log, entries } = setup('debug');
  const wg = log.child('tunnel').child('wg');
  log.addSecret('s3cr3t-value');
  wg.debug('key s3cr3t-value');
  wg.trace('filtered');
  log.info('root');
  assert.deepEqual(
    entries().map((e) => [e.target, e.message]),
    [
      ['wg', 'key [redacted]'],
      ['test', 'root'],
    ],
  );
});

test('redaction by field name, at any depth', () => {
  const { log, entries } = setup();
  log.info('keys', {
    privateKey: 'a',
    private_key: 'b',
    'Private-Key': 'c',
    presharedKey: 'd',
    PreSharedKey: 'e',
    clientSecret: 'f',
    apiToken: 'g',
    password: 'h',
    Authorization: 'Bearer i',
    cookie: 'j',
    publicKey: 'visible',
    peer: { presharedKey: 'k', endpoint: '1.2.3.4:5', deeper: [{ token: 'l', port: 5 }] },
    map: new Map<string, unknown>([
      ['secret', 'm'],
      ['ok', 1],
    ]),
  });
  const entry = entries()[0]!;
  for (const key of [
    'privateKey',
    'private_key',
    'Private-Key',
    'presharedKey',
    'PreSharedKey',
    'clientSecret',
    'apiToken',
    'password',
    'Authorization',
    'cookie',
  ]) {
    assert.equal(entry[key], '[redacted]', key);
  }
  assert.equal(entry.publicKey, 'visible');
  assert.deepEqual(entry.peer, {
    presharedKey: '[redacted]',
    endpoint: '1.2.3.4:5',
    deeper: [{ token: '[redacted]', port: 5 }],
  });
  assert.deepEqual(entry.map, { secret: '[redacted]', ok: 1 });
  assert.doesNotMatch(JSON.stringify(entry), /"[a-m]"|Bearer/);
});

test('names that only mention a secret stay readable: counters and states are not secrets', () => {
  const { log, entries } = setup();
  log.info('counters', {
    drops: { 'cookie-required': 12, 'bad-mac1': 3 },
    cookieReplies: 4,
    tokenExpiresAt: '2026-12-05T10:00:00Z',
    keysZeroed: 1,
    publicKey: 'visible',
    public_key: 'visible too',
    sessionKey: 's',
    key: 'k',
    refresh_tokens: ['r'],
    codeVerifier: 'v',
    privateKeyBase64: 'p',
    clientSecretValue: 'c',
    passwordHash: 'h',
    userCredentials: { a: 1 },
  });
  const e = entries()[0]!;
  assert.deepEqual(e.drops, { 'cookie-required': 12, 'bad-mac1': 3 });
  assert.equal(e.cookieReplies, 4);
  assert.equal(e.tokenExpiresAt, '2026-12-05T10:00:00Z');
  assert.equal(e.keysZeroed, 1);
  assert.equal(e.publicKey, 'visible');
  assert.equal(e.public_key, 'visible too');
  // Words that only ever name a secret hide the field wherever they sit in its name.
  for (const hidden of [
    'sessionKey',
    'key',
    'refresh_tokens',
    'codeVerifier',
    'privateKeyBase64',
    'clientSecretValue',
    'passwordHash',
    'userCredentials',
  ]) {
    assert.equal(e[hidden], '[redacted]', hidden);
  }
});

test('registered secrets are scrubbed from messages, targets, strings, errors and nested values', () => {
  const { sink, log } = setup();
  const privateKey = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
  const psk = 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=';
  log.addSecret(privateKey);
  log.addSecret(psk);
  log.addSecret('');
  log.child(`t-${psk}`).info(`loaded ${privateKey} and ${psk}!`, {
    config: `PrivateKey = ${privateKey}`,
    list: [`x${psk}y`, 3],
    nested: { deep: { deeper: `${privateKey}${privateKey}` } },
    error: new Error(`bad key ${privateKey}`),
    set: new Set([psk]),
    [`k${psk}`]: 1,
  });
  const line = sink.lines[0]!;
  assert.ok(!line.includes(privateKey) && !line.includes(psk), line);
  const entry = JSON.parse(line) as Record<string, unknown>;
  assert.equal(entry.target, 't-[redacted]');
  assert.equal(entry.message, 'loaded [redacted] and [redacted]!');
  assert.equal(entry.config, 'PrivateKey = [redacted]');
  assert.deepEqual(entry.list, ['x[redacted]y', 3]);
  assert.deepEqual(entry.nested, { deep: { deeper: '[redacted][redacted]' } });
  assert.deepEqual(entry.error, { message: 'bad key [redacted]' });
  assert.deepEqual(entry.set, ['[redacted]']);
  assert.equal(entry['k[redacted]'], 1);
});

test('a secret containing another secret is replaced whole', () => {
  const { log, entries } = setup();
  log.addSecret('abc');
  log.addSecret('xxabcxx');
  log.info('xxabcxx abc');
  assert.equal(entries()[0]!.message, '[redacted] [redacted]');
});

test('special values: bytes by length, errors, bigint, circular, dates, non-finite numbers', () => {
  const { log, entries } = setup();
  const loop: Record<string, unknown> = { name: 'loop' };
  loop.self = loop;
  const shared = { n: 1 };
  const coded = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED', errno: -111 });
  log.info('values', {
    payload: new Uint8Array(32),
    buffer: Buffer.from('secret bytes'),
    arrayBuffer: new ArrayBuffer(7),
    view: new DataView(new ArrayBuffer(3)),
    error: coded,
    plainError: new TypeError('nope'),
    big: 2n ** 70n,
    loop,
    twice: [shared, shared],
    date: new Date(0),
    badDate: new Date(NaN),
    nan: NaN,
    inf: -Infinity,
    nothing: undefined,
    nil: null,
    fn: function named() {},
    sym: Symbol('s'),
    url: new URL('https://example.com/a'),
    arr: [undefined, 1],
  });
  const entry = entries()[0]!;
  assert.equal(entry.payload, '<32 bytes>');
  assert.equal(entry.buffer, '<12 bytes>');
  assert.equal(entry.arrayBuffer, '<7 bytes>');
  assert.equal(entry.view, '<3 bytes>');
  assert.deepEqual(entry.error, { message: 'connect failed', code: 'ECONNREFUSED' });
  assert.deepEqual(entry.plainError, { message: 'nope' });
  assert.equal(entry.big, '1180591620717411303424');
  assert.deepEqual(entry.loop, { name: 'loop', self: '[circular]' });
  assert.deepEqual(entry.twice, [{ n: 1 }, { n: 1 }]);
  assert.equal(entry.date, '1970-01-01T00:00:00.000Z');
  assert.equal(entry.badDate, 'Invalid Date');
  assert.equal(entry.nan, 'NaN');
  assert.equal(entry.inf, '-Infinity');
  assert.ok(!('nothing' in entry));
  assert.equal(entry.nil, null);
  assert.equal(entry.fn, '[function named]');
  assert.equal(entry.sym, 'Symbol(s)');
  assert.equal(entry.url, 'https://example.com/a');
  assert.deepEqual(entry.arr, [null, 1]);
});

test('hostile values never make logging throw', () => {
  const { log, entries } = setup();
  const throwingGetter = Object.defineProperty({}, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
  const badJson = {
    toJSON() {
      throw new Error('toJSON');
    },
  };
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 50; i++) deep = (deep.next = {}) as Record<string, unknown>;
  const proxy = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('ownKeys');
      },
    },
  );
  assert.doesNotThrow(() =>
    log.info('hostile', { throwingGetter, badJson, root, proxy, long: 'z'.repeat(100_000) }),
  );
  const entry = entries()[0]!;
  assert.deepEqual(entry.throwingGetter, { boom: '[unreadable]' });
  assert.equal(entry.badJson, '[unreadable]');
  assert.equal(entry.proxy, '[unrenderable]');
  assert.match(JSON.stringify(entry.root), /\[too deep\]/);
  assert.ok((entry.long as string).length < 20_000);
  assert.match(entry.long as string, /…\[truncated\]$/);
  const nonString = createLogger({
    level: 'info',
    target: 't',
    sinks: [memorySink()],
    clock: () => new Date(NaN),
  });
  assert.doesNotThrow(() => nonString.info(42 as unknown as string, undefined));
});

test('streamSink writes newline-terminated lines and flush waits for them', async () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const log = createLogger({
    level: 'info',
    target: 'cli',
    sinks: [streamSink(stream)],
    clock: () => FIXED,
  });
  log.info('one', { n: 1 });
  log.error('two');
  await log.flush();
  const lines = chunks.join('').split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { message: string }).message),
    ['one', 'two'],
  );
});

test('a throwing sink is reported once on stderr; other sinks and the caller are unaffected', () => {
  const result = runChild(`
    const lines = [];
    const broken = { write() { throw new Error('disk on fire'); } };
    const good = { write(line) { lines.push(line); } };
    const log = createLogger({ level: 'info', target: 't', sinks: [broken, good] });
    log.addSecret('hunter2');
    for (let i = 0; i < 3; i++) log.info('still here', { i });
    const failing = { write() { throw new Error('leaks hunter2'); } };
    const log2 = createLogger({ level: 'info', target: 't', sinks: [failing] });
    log2.addSecret('hunter2');
    log2.error('x');
    await log.flush();
    console.log(lines.length);
  `);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '3');
  const notices = result.stderr.trim().split('\n');
  assert.equal(notices.length, 2, result.stderr);
  assert.match(notices[0]!, /^slipstream: a log output failed \(disk on fire\)/);
  assert.match(notices[1]!, /\(leaks \[redacted\]\)/);
});

test('a stream that fails asynchronously (like EPIPE) does not crash the process', () => {
  const result = runChild(`
    const stream = new Writable({ write(_chunk, _enc, cb) { cb(new Error('EPIPE')); } });
    const log = createLogger({ level: 'info', target: 't', sinks: [streamSink(stream)] });
    log.info('first');
    await new Promise((r) => setTimeout(r, 20));
    log.info('second');
    log.info('third');
    await log.flush();
    console.log('survived');
  `);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'survived');
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /a log output failed \(EPIPE\)/);
});

test('parseLogLevel accepts the five levels in any case and rejects others with the list', () => {
  assert.equal(parseLogLevel('info'), 'info');
  assert.equal(parseLogLevel(' TRACE '), 'trace');
  assert.equal(parseLogLevel('Warn'), 'warn');
  assert.throws(
    () => parseLogLevel('verbose'),
    /^Error: unknown log level "verbose" \(expected one of: error, warn, info, debug, trace\)$/,
  );
  assert.throws(() => parseLogLevel(''), /unknown log level ""/);
});
