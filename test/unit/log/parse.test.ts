import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type LogSink } from '../../../app/log/logger.js';
import { parseLogLine } from '../../../app/log/parse.js';

test('lines written by the logger parse back into entries with their fields', () => {
  const lines: string[] = [];
  const sink: LogSink = { write: (line) => void lines.push(line) };
  const log = createLogger({
    level: 'trace',
    target: 'tunnel',
    sinks: [sink],
    clock: () => new Date('2026-11-25T06:01:46.123Z'),
  });
  log.warn('peer endpoint changed', {
    peer: 'abc=',
    endpoint: '1.2.3.4:5',
    n: 2,
    nested: { a: true },
  });
  log.child('wg').trace('bare');
  const first = parseLogLine(lines[0]! + '\n');
  assert.deepEqual(first, {
    ok: true,
    entry: {
      time: '2026-11-25T06:01:46.123Z',
      level: 'warn',
      target: 'tunnel',
      message: 'peer endpoint changed',
      fields: { peer: 'abc=', endpoint: '1.2.3.4:5', n: 2, nested: { a: true } },
    },
  });
  const second = parseLogLine(lines[1]!);
  assert.ok(second.ok);
  assert.equal(second.entry.target, 'wg');
  assert.equal(second.entry.level, 'trace');
  assert.deepEqual(second.entry.fields, {});
});

test('timestamps from other RFC 3339 writers are accepted', () => {
  for (const time of [
    '2026-01-02T03:04:05Z',
    '2026-01-02T03:04:05.123456+01:00',
    '2026-01-02t03:04:05z',
  ]) {
    const result = parseLogLine(JSON.stringify({ time, level: 'info', target: 'x', message: 'm' }));
    assert.ok(result.ok, time);
  }
});

test('malformed lines come back raw with the reason, never dropped', () => {
  const good = { time: '2026-11-25T06:01:46.123Z', level: 'info', target: 't', message: 'm' };
  const cases: [string, RegExp][] = [
    ['', /empty line/],
    ['   ', /empty line/],
    ['not json at all', /not valid JSON/],
    ['{"time":"2026-11-25T06:01:46.123Z","level":"info"', /not valid JSON/],
    ['[1,2,3]', /not a JSON object/],
    ['"just a string"', /not a JSON object/],
    ['null', /not a JSON object/],
    [JSON.stringify({ ...good, time: undefined }), /"time"/],
    [JSON.stringify({ ...good, time: 'yesterday' }), /"time"/],
    [JSON.stringify({ ...good, time: '2026-13-45T99:00:00Z' }), /"time"/],
    [JSON.stringify({ ...good, time: 1764050506123 }), /"time"/],
    [JSON.stringify({ ...good, level: 'verbose' }), /"level"/],
    [JSON.stringify({ ...good, level: 'INFO' }), /"level"/],
    [JSON.stringify({ ...good, target: 5 }), /"target"/],
    [JSON.stringify({ ...good, message: undefined }), /"message"/],
    [JSON.stringify({ ...good, message: { text: 'm' } }), /"message"/],
  ];
  for (const [line, error] of cases) {
    const result = parseLogLine(line);
    assert.equal(result.ok, false, line);
    if (!result.ok) {
      assert.equal(result.raw, line);
      assert.match(result.error, error, line);
    }
  }
  const crlf = parseLogLine('garbage\r\n');
  assert.deepEqual(crlf, { ok: false, raw: 'garbage', error: 'not valid JSON' });
});

test('a "__proto__" field is kept as an ordinary field', () => {
  const line =
    '{"time":"2026-11-25T06:01:46.123Z","level":"info","target":"t","message":"m","__proto__":{"polluted":true}}';
  const result = parseLogLine(line);
  assert.ok(result.ok);
  assert.equal(Object.getPrototypeOf(result.entry.fields), Object.prototype);
  assert.deepEqual(Object.keys(result.entry.fields), ['__proto__']);
  assert.equal((result.entry.fields as { polluted?: boolean }).polluted, undefined);
});
