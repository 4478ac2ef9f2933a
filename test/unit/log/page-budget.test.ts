// readLogs answers are bounded in bytes whatever the lines hold: lines of 100,000
// characters that serialise to six bytes each, huge fields, a line longer than the read
// cap. Asked for 10,000 lines, a page stops at the byte budget, and paging on from where
// it stopped reads every line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { LogFilter, LogLine } from '../../../ipc/schema.js';
import { MAX_LINE_BYTES } from '../../../ipc/wire.js';
import { FIELDS_CUT_KEY, MAX_FIELDS_BYTES, MAX_LINE_READ } from '../../../app/log/log-line.js';
import { LogView } from '../../../app/log/log-query.js';
import { lineWireBytes, PAGE_BYTES } from '../../../app/log/page-budget.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-pagebudget-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const all: LogFilter = { minLevel: 'trace', text: '' };
const TIME = '2026-11-25T08:00:00.000Z';

/** Lines near every limit, and what each must look like in the viewer. */
function hostileLines(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    // Control characters (not line ends): JSON writes each as \u00XX, six bytes for one.
    lines.push(
      String.fromCharCode([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15][i]!).repeat(99_990 + i),
    );
    lines.push('é'.repeat(100_500));
    const fields = Object.fromEntries(
      Array.from({ length: 100 }, (_, k) => [`f${k}`, '\u0002'.repeat(1000)]),
    );
    lines.push(
      JSON.stringify({
        time: TIME,
        level: 'info',
        target: 't',
        message: '\u0003'.repeat(16_000),
        ...fields,
      }),
    );
  }
  lines.push(
    `{"time":"${TIME}","level":"warn","target":"t","message":"${'x'.repeat(MAX_LINE_READ + 10)}"}`,
  );
  lines.push(JSON.stringify({ time: TIME, level: 'error', target: 't', message: 'small' }));
  return lines;
}

test('a page of 10,000 hostile lines stops at the byte budget; paging on reads them all', async () => {
  const file = path.join(dir, 'main.jsonl');
  const lines = hostileLines();
  writeFileSync(file, `${lines.join('\n')}\n`);
  const view = await LogView.open(file, { process: 'main' });
  try {
    const got: LogLine[] = [];
    let pages = 0;
    for (;;) {
      const page = await view.page(all, got.length, 10_000);
      if (page.lines.length === 0) break;
      pages++;
      const bytes = Buffer.byteLength(JSON.stringify(page));
      assert.ok(bytes < PAGE_BYTES + 4096, `page of ${bytes} bytes`);
      assert.ok(bytes < MAX_LINE_BYTES / 2 + 4096);
      for (const l of page.lines) assert.ok(lineWireBytes(l) < PAGE_BYTES, 'one line fits a page');
      got.push(...page.lines);
    }
    assert.equal(got.length, lines.length);
    assert.ok(pages >= 6, `${pages} pages`);
    got.forEach((l, i) => assert.equal(l.line, i));

    const control = got[0]!;
    assert.ok(!control.ok && control.raw === lines[0]!.slice(0, 100_000));
    const accented = got[1]!;
    assert.ok(!accented.ok && accented.raw.length === 100_000);
    const fieldy = got[2]!;
    assert.ok(fieldy.ok, 'a line with huge fields is still a parsed line');
    assert.equal(fieldy.message.length, 10_000);
    assert.match(String(fieldy.fields[FIELDS_CUT_KEY]), /fields not shown/);
    assert.ok(Buffer.byteLength(JSON.stringify(fieldy.fields)) <= MAX_FIELDS_BYTES);
    assert.equal(fieldy.fields.f0, '\u0002'.repeat(1000), 'the leading fields are whole');
    const long = got[lines.length - 2]!;
    assert.ok(!long.ok && /too long to show/.test(long.problem));
    assert.equal(long.lastTime, TIME, 'a line cut short takes the time before it');
    assert.ok(got[lines.length - 1]!.ok);
  } finally {
    await view.close();
  }
});
