// "Both": the app's and the helper's logs (each with rotated files) interleaved by time,
// as main answers it, the helper's side reached through the real dispatcher and client
// (every answer copied through JSON and checked against the schema, as over the socket).
// Checked against a reference merge: every page size, filters, ties, malformed lines,
// time jumps, and pages cut short by the byte budget.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type Transport } from '../../../ipc/client.js';
import type { LogFilter, LogLine } from '../../../ipc/schema.js';
import { createDispatcher } from '../../../ipc/server.js';
import { LogService } from '../../../app/log/log-service.js';
import { MergedLog, type LogReader } from '../../../app/log/merged-log.js';
import { lineWireBytes } from '../../../app/log/page-budget.js';
import { logCommands } from '../../../app/main/log-commands.js';
import { seededRandom } from './log-fixture.js';
import {
  referenceMerge,
  referencePasses,
  referenceTimeline,
  type RefLine,
} from './log-reference.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-mergedlog-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
const WORDS = ['handshake complete', 'peer endpoint changed', 'keepalive', 'route added'];

/**
 * Files of one log, oldest first, `counts[k]` lines each: times 0-2 ms apart, so
 * equal times within and across logs are common; 6 % of lines malformed.
 */
function writeLog(base: string, counts: number[], seed: number, startMs: number): void {
  const rand = seededRandom(seed);
  let ms = startMs;
  counts.forEach((count, k) => {
    const name = k === counts.length - 1 ? base : `${base}.${counts.length - 1 - k}`;
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      ms += Math.floor(rand() * 3);
      if (rand() < 0.06) {
        lines.push(`garbage ${seed}/${k}/${i} peer`);
        continue;
      }
      lines.push(
        JSON.stringify({
          time: new Date(ms).toISOString(),
          level: LEVELS[Math.floor(rand() * LEVELS.length)],
          target: path.basename(base),
          message: WORDS[Math.floor(rand() * WORDS.length)],
          i,
        }),
      );
    }
    writeFileSync(name, `${lines.join('\n')}\n`);
  });
}

/** The helper's log handlers behind the real dispatcher and client, joined through JSON. */
function remoteHelper(service: LogService) {
  const dispatch = createDispatcher({
    readLogs: (r) => service.readLogs(r),
    countLogs: (r) => service.countLogs(r),
    cancelLogSearch: (r) => service.cancelLogSearch(r),
    findLogTime: (r) => service.findLogTime(r),
  });
  const transport: Transport = {
    invoke: async (command, payload) =>
      JSON.parse(JSON.stringify(await dispatch(command, JSON.parse(JSON.stringify(payload))))),
    subscribe: () => () => {},
  };
  const client = createClient(transport);
  return {
    readLogs: client.readLogs,
    countLogs: client.countLogs,
    cancelLogSearch: client.cancelLogSearch,
    findLogTime: client.findLogTime,
  };
}

const FILTERS: LogFilter[] = [
  { minLevel: 'trace', text: '' },
  { minLevel: 'warn', text: '' },
  { minLevel: 'trace', text: 'PEER' },
  { minLevel: 'info', text: 'keepalive' },
  { minLevel: 'trace', text: 'zz-nowhere' },
];

interface Setup {
  commands: ReturnType<typeof logCommands>;
  both: LogReader;
  reference: RefLine[];
  close(): void;
}

function setup(name: string): Setup {
  const logDir = path.join(dir, name);
  mkdirSync(logDir);
  const start = Date.parse('2026-11-25T08:00:00.000Z');
  writeLog(path.join(logDir, 'main.jsonl'), [150, 120], 1, start + 5);
  writeLog(path.join(logDir, 'helper.jsonl'), [80, 90, 100], 2, start);
  const mainLogs = new LogService(logDir);
  const helperLogs = new LogService(logDir);
  const helper = remoteHelper(helperLogs);
  const commands = logCommands(mainLogs, helper);
  const both: LogReader = {
    read: (filter, offset, limit) => commands.readLogs({ source: 'both', filter, offset, limit }),
    findTime: async (filter, time) =>
      (await commands.findLogTime({ source: 'both', filter, time })).offset,
  };
  const reference = referenceMerge(
    referenceTimeline(path.join(logDir, 'main.jsonl'), 'main'),
    referenceTimeline(path.join(logDir, 'helper.jsonl'), 'helper'),
  );
  return {
    commands,
    both,
    reference,
    close: () => {
      mainLogs.close();
      helperLogs.close();
    },
  };
}

/** Reads everything from offset 0 in pages of `limit`, following each answer's length. */
async function readAll(reader: LogReader, filter: LogFilter, limit: number): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for (;;) {
    const page = await reader.read(filter, out.length, limit);
    assert.ok(page.lines.length <= limit);
    if (page.lines.length === 0) {
      assert.equal(out.length, page.matching, 'stopped only at the end');
      return out;
    }
    out.push(...page.lines);
  }
}

test('both logs interleave by time like a reference merge, across page boundaries and filters', async () => {
  const s = setup('pages');
  try {
    const first = await s.both.read(FILTERS[0]!, 0, 1);
    assert.equal(first.totalLines, s.reference.length);
    const views = s.reference.map((l) => l.view);
    assert.ok(views.some((l) => l.process === 'main') && views.some((l) => l.process === 'helper'));
    assert.ok(
      views.some((l) => l.file === 'helper.jsonl.2'),
      'rotated files take part',
    );
    const rand = seededRandom(3);
    for (const filter of FILTERS) {
      const want = s.reference.filter((l) => referencePasses(l, filter)).map((l) => l.view);
      const label = JSON.stringify(filter);
      for (const limit of [7, 200, 10_000]) {
        assert.deepEqual(await readAll(s.both, filter, limit), want, `${label} pages of ${limit}`);
      }
      for (let k = 0; k < 12; k++) {
        const offset = Math.floor(rand() * (want.length + 3));
        const limit = 1 + Math.floor(rand() * 40);
        const page = await s.both.read(filter, offset, limit);
        assert.equal(page.matching, want.length, label);
        assert.deepEqual(page.lines, want.slice(offset, offset + limit), `${label} @${offset}`);
      }
    }
  } finally {
    s.close();
  }
});

test('a time jump in both logs is the sum of the jumps in each, and lands where the merge says', async () => {
  const s = setup('time');
  try {
    const times = s.reference.filter((l) => l.time !== null).map((l) => l.time!);
    const probes = [times[0]! - 1, times[times.length - 1]! + 1];
    for (let k = 0; k < times.length; k += 17) probes.push(times[k]!, times[k]! + 1);
    for (const filter of FILTERS.slice(0, 3)) {
      const want = s.reference.filter((l) => referencePasses(l, filter));
      for (const ms of probes) {
        const time = new Date(ms).toISOString();
        const expected = want.filter((l) => l.sortTime < ms).length;
        const offset = await s.both.findTime(filter, time);
        assert.equal(offset, expected, `${JSON.stringify(filter)} ${time}`);
        const at = (await s.both.read(filter, offset, 1)).lines[0];
        if (at) assert.deepEqual(at, want[offset]!.view);
      }
    }
    await assert.rejects(
      s.commands.findLogTime({ source: 'both', filter: FILTERS[0]!, time: 'noon' }),
      /RFC 3339/,
    );
  } finally {
    s.close();
  }
});

test('equal times: the app first, each log in its order, a malformed line with the line before it', async () => {
  const logDir = path.join(dir, 'ties');
  mkdirSync(logDir);
  const line = (ms: number, message: string) =>
    JSON.stringify({
      time: new Date(Date.parse('2026-11-25T08:00:00.000Z') + ms).toISOString(),
      level: 'info',
      target: 't',
      message,
    });
  writeFileSync(
    path.join(logDir, 'main.jsonl'),
    [line(0, 'm0'), 'main junk', line(5, 'm5'), line(5, 'm5b'), line(9, 'm9')].join('\n') + '\n',
  );
  writeFileSync(
    path.join(logDir, 'helper.jsonl'),
    ['helper junk first', line(0, 'h0'), line(5, 'h5'), 'helper junk', line(7, 'h7')].join('\n') +
      '\n',
  );
  const mainLogs = new LogService(logDir);
  const both = logCommands(mainLogs, remoteHelper(mainLogs));
  const all: LogFilter = { minLevel: 'trace', text: '' };
  try {
    const { lines } = await both.readLogs({ source: 'both', filter: all, offset: 0, limit: 100 });
    assert.deepEqual(
      lines.map((l) => (l.ok ? l.message : l.raw)),
      ['helper junk first', 'm0', 'main junk', 'h0', 'm5', 'm5b', 'h5', 'helper junk', 'h7', 'm9'],
    );
    for (let offset = 0; offset < 10; offset++) {
      const one = await both.readLogs({ source: 'both', filter: all, offset, limit: 1 });
      assert.deepEqual(one.lines, [lines[offset]], `offset ${offset}`);
    }
  } finally {
    mainLogs.close();
  }
});

test('pages cut short by the byte budget still read as the whole merge', async () => {
  const s = setup('budget');
  const logDir = path.join(dir, 'budget');
  const mainLogs = new LogService(logDir);
  const helperLogs = new LogService(logDir);
  // Tiny budgets on every side: each log's pages and the merged page are cut.
  const small = (service: LogService, process: 'main' | 'helper'): LogReader => ({
    read: async (filter, offset, limit) => {
      const page = await service.reader(process).read(filter, offset, limit);
      let used = 0;
      let n = 0;
      for (const l of page.lines) {
        used += lineWireBytes(l);
        if (used > 1500 && n > 0) break;
        n++;
      }
      return { ...page, lines: page.lines.slice(0, n) };
    },
    findTime: (filter, time) => service.reader(process).findTime(filter, time),
  });
  const merged = new MergedLog(small(mainLogs, 'main'), small(helperLogs, 'helper'), 2500);
  try {
    for (const filter of FILTERS.slice(0, 3)) {
      const want = s.reference.filter((l) => referencePasses(l, filter)).map((l) => l.view);
      let short = 0;
      const got: LogLine[] = [];
      for (;;) {
        const page = await merged.read(filter, got.length, 200);
        if (page.lines.length === 0) break;
        if (page.lines.length < Math.min(200, want.length - got.length)) short++;
        const bytes = page.lines.reduce((n, l) => n + lineWireBytes(l), 0);
        assert.ok(bytes <= 2500 || page.lines.length === 1, `page of ${bytes} bytes`);
        got.push(...page.lines);
      }
      assert.deepEqual(got, want, JSON.stringify(filter));
      assert.ok(short > 0, 'pages were cut');
    }
  } finally {
    s.close();
    mainLogs.close();
    helperLogs.close();
  }
});
