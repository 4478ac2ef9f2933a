import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceSection } from '../../bench/report.js';
import type { Sample } from '../../bench/tunnel/measure.js';
import {
  clientRatios,
  pairRatios,
  renderBenchmarks,
  renderReadme,
  summarize,
  type ReportMeta,
} from '../../bench/tunnel/report.js';

function sample(up: number, down: number, extra: Partial<Sample> = {}): Sample {
  return {
    upMbps: up,
    downMbps: down,
    cpuSecondsPerGB: 4,
    rttMs: 0.5,
    peakRssMb: 100,
    syscalls: { packets: 1000, tunSyscalls: 100, udpSyscalls: 50 },
    ...extra,
  };
}

const meta: ReportMeta = {
  command: 'sudo npm run bench -- --rounds 3',
  machine: '2 × Test CPU, Linux 6.1, Node v20',
  date: '2026-12-05T21:00:00.000Z',
  seconds: 10,
  rounds: 3,
  syscallSeconds: 3,
  wg2023Version: '0.0.20231211-1~bpo12+1',
  wg2022Version: '0.0.20220316-1+b4',
};

test('summaries are medians of the rounds; packets per syscall are medians of per-round ratios', () => {
  const s = summarize('slipstream', [
    sample(100, 300, { syscalls: { packets: 1000, tunSyscalls: 10, udpSyscalls: 100 } }),
    sample(300, 100, { syscalls: { packets: 1000, tunSyscalls: 40, udpSyscalls: 50 } }),
    sample(200, 200, { syscalls: { packets: 3000, tunSyscalls: 1000, udpSyscalls: 30 } }),
  ]);
  assert.equal(s.samples, 3);
  assert.equal(s.upMbps, 200);
  assert.equal(s.downMbps, 200);
  assert.equal(s.packetsPerTunSyscall, 25); // of 100, 25, 3
  assert.equal(s.packetsPerUdpSyscall, 20); // of 10, 20, 100
  const none = summarize('x', [sample(1, 1, { syscalls: null })]);
  assert.ok(Number.isNaN(none.packetsPerTunSyscall));
});

test('client ratios against 2023 and 2022, with the targets', () => {
  const client = [
    summarize('wireguard-go 2023', [sample(1000, 800, { rttMs: 0.4, cpuSecondsPerGB: 4 })]),
    summarize('wireguard-go 2022', [sample(250, 400)]),
    summarize('slipstream', [sample(500, 1200, { rttMs: 0.55, cpuSecondsPerGB: 5 })]),
  ];
  assert.deepEqual(clientRatios(client), [
    '- upload, Slipstream / wireguard-go 2023: **0.50×** (target ≥ 1.0×)',
    '- download, Slipstream / wireguard-go 2023: **1.50×** (target ≥ 1.0×)',
    '- client CPU per GB, Slipstream / wireguard-go 2023: **1.25×** (target ≤ 1.0×)',
    '- idle RTT, Slipstream − wireguard-go 2023: **0.150 ms** (target ≤ 0.1 ms)',
    '- upload, Slipstream / wireguard-go 2022: **2.00×** (target ≥ 3×)',
    '- download, Slipstream / wireguard-go 2022: **3.00×** (target ≥ 3×)',
    '- peak RSS, Slipstream: **100 MB** (target ≤ 150 MB)',
  ]);
  // A reference that failed to measure gives n/a, never a made-up ratio.
  const broken = [
    summarize('wireguard-go 2023', [sample(0, Number.NaN)]),
    summarize('slipstream', [sample(500, 1200)]),
  ];
  assert.match(clientRatios(broken)[0]!, /\*\*n\/a×\*\*/);
  assert.match(clientRatios(broken)[1]!, /\*\*n\/a×\*\*/);
});

test('pair ratios, and none without both pairs', () => {
  const pair = [
    summarize('wireguard-go 2023', [sample(1000, 1000)]),
    summarize('slipstream', [sample(1100, 900)]),
  ];
  assert.deepEqual(pairRatios(pair), [
    '- upload, Slipstream pair / wireguard-go 2023 pair: **1.10×** (target ≥ 1.0×)',
    '- download, Slipstream pair / wireguard-go 2023 pair: **0.90×** (target ≥ 1.0×)',
    '- CPU per GB, Slipstream pair / wireguard-go 2023 pair: **1.00×**',
  ]);
  assert.deepEqual(pairRatios(pair.slice(1)), []);
});

test('the BENCHMARKS.md section names the command, machine and versions, and has every table', () => {
  const client = [
    summarize('wireguard-go 2023', [sample(1000, 800)]),
    summarize('wireguard-go 2022', [sample(250, 400)]),
    summarize('slipstream', [sample(500, 1200)]),
  ];
  const pair = [
    summarize('wireguard-go 2023', [sample(1000, 1000)]),
    summarize('slipstream', [sample(1100, 900)]),
  ];
  const md = renderBenchmarks({ client, pair }, meta);
  assert.match(md, /Reproduce with `sudo npm run bench -- --rounds 3`/);
  assert.match(
    md,
    /Machine: 2 × Test CPU, Linux 6\.1, Node v20; measured 2026-12-05T21:00:00\.000Z/,
  );
  assert.match(md, /0\.0\.20231211-1~bpo12\+1/);
  assert.match(md, /0\.0\.20220316-1\+b4/);
  assert.match(md, /\| slipstream \| 500 \| 1200 \| 4\.0 \| 10\.0 \| 20\.0 \| 0\.500 \| 100 \|/);
  assert.match(md, /\| slipstream ↔ slipstream \| 1100 \| 900 \| 4\.0 \| 0\.500 \|/);
  assert.match(md, /\| wireguard-go 2022 \| 1000 \| 100 \| 50 \| 10\.0 \| 20\.0 \|/);
  const readme = renderReadme({ client, pair: null }, meta);
  assert.match(
    readme,
    /^Latest run: `sudo npm run bench -- --rounds 3` on 2 × Test CPU.*; 3 rounds of 10 s/,
  );
  assert.match(renderReadme({ client, pair }, { ...meta, rounds: 1 }), /; 1 round of 10 s/);
  assert.doesNotMatch(readme, /↔/, 'no pair table when pairs did not run');
  const noSyscalls = renderBenchmarks({ client, pair: null }, { ...meta, syscallSeconds: 0 });
  assert.doesNotMatch(noSyscalls, /perf stat/);
});

test('a section is replaced between its markers, and only there', () => {
  const text =
    'intro\n<!-- bench:tunnel -->\nold\n<!-- /bench:tunnel -->\n<!-- bench:log-viewer -->\nkeep\n<!-- /bench:log-viewer -->\n';
  assert.equal(
    replaceSection(text, 'tunnel', '\nnew table\n'),
    'intro\n<!-- bench:tunnel -->\nnew table\n<!-- /bench:tunnel -->\n<!-- bench:log-viewer -->\nkeep\n<!-- /bench:log-viewer -->\n',
  );
  assert.equal(replaceSection('no markers', 'tunnel', 'x'), null);
  assert.equal(replaceSection('<!-- /bench:tunnel --><!-- bench:tunnel -->', 'tunnel', 'x'), null);
  assert.equal(
    replaceSection(
      '<!-- bench:tunnel --><!-- /bench:tunnel --><!-- bench:tunnel -->',
      'tunnel',
      'x',
    ),
    null,
    'a doubled marker is refused rather than guessed at',
  );
  assert.throws(() => replaceSection('', 'a b', 'x'), /bad section name/);
});
