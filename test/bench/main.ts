// `npm run bench` (Linux, root): the tunnel benchmark, then the log viewer benchmark, each
// writing its own section of BENCHMARKS.md. Options: see USAGE (`npm run bench -- --help`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireRoot } from '../harness/system.js';
import { BenchUsageError, parseBenchOptions, USAGE } from './tunnel/options.js';
import { runTunnelBench } from './tunnel/run.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const o = parseBenchOptions(argv);
  requireRoot();
  if (o.only.has('client') || o.only.has('pair')) await runTunnelBench(o);
  if (o.only.has('log-viewer')) {
    // Its own process: it drives chromium and a web harness with their own cleanup.
    const script = fileURLToPath(new URL('./log-viewer-bench.js', import.meta.url));
    const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`the log viewer benchmark failed (exit ${r.status})`);
  }
}

main().catch((e: unknown) => {
  if (e instanceof BenchUsageError) console.error(`${e.message}\n${USAGE}`);
  else console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
