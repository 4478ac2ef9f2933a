// Command-line options of `npm run bench` (and of the tunnel bench alone). Parsed strictly:
// a typo must not silently run a different benchmark for half an hour.

/** What one run measures; --only picks a subset. */
export const BENCH_PARTS = ['client', 'pair', 'log-viewer'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchOptions {
  /** iperf3 seconds per direction, per sample. */
  seconds: number;
  /** Rounds; the order of the variants alternates between rounds. */
  rounds: number;
  /** Seconds per direction of the syscall-counting window (0: not counted). */
  syscallSeconds: number;
  only: ReadonlySet<BenchPart>;
}

export const DEFAULT_OPTIONS: Readonly<Omit<BenchOptions, 'only'>> = {
  seconds: 10,
  rounds: 5,
  syscallSeconds: 3,
};

export const USAGE = `usage: npm run bench -- [--seconds N] [--rounds N] [--syscall-seconds N] [--only PART[,PART...]]
  --seconds N          iperf3 seconds per direction per sample (default ${DEFAULT_OPTIONS.seconds})
  --rounds N           rounds, alternating the order of the variants (default ${DEFAULT_OPTIONS.rounds})
  --syscall-seconds N  seconds per direction of the syscall-counting window, 0 to skip (default ${DEFAULT_OPTIONS.syscallSeconds})
  --only PARTS         run only these of: ${BENCH_PARTS.join(', ')} (default: all)`;

export class BenchUsageError extends Error {}

function integer(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new BenchUsageError(`${flag} needs a whole number, got ${JSON.stringify(text ?? '')}`);
  }
  const n = Number(text);
  if (n < min || n > max) throw new BenchUsageError(`${flag} must be ${min}-${max}, got ${n}`);
  return n;
}

function parts(text: string | undefined): Set<BenchPart> {
  const names = (text ?? '').split(',').map((s) => s.trim());
  const out = new Set<BenchPart>();
  for (const name of names) {
    if (!(BENCH_PARTS as readonly string[]).includes(name)) {
      throw new BenchUsageError(
        `--only takes ${BENCH_PARTS.join(', ')} (comma-separated), got ${JSON.stringify(name)}`,
      );
    }
    out.add(name as BenchPart);
  }
  return out;
}

/** Parses argv (without node and the script). Accepts `--flag value` and `--flag=value`. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { ...DEFAULT_OPTIONS, only: new Set(BENCH_PARTS) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = () => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    switch (flag) {
      case '--seconds':
        o.seconds = integer(flag, value(), 1, 600);
        break;
      case '--rounds':
        o.rounds = integer(flag, value(), 1, 100);
        break;
      case '--syscall-seconds':
        o.syscallSeconds = integer(flag, value(), 0, 600);
        break;
      case '--only':
        o.only = parts(value());
        break;
      default:
        throw new BenchUsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return o;
}

/** The options as flags again, for the "reproduce with" line (defaults left out). */
export function formatBenchCommand(o: BenchOptions): string {
  const flags: string[] = [];
  if (o.seconds !== DEFAULT_OPTIONS.seconds) flags.push(`--seconds ${o.seconds}`);
  if (o.rounds !== DEFAULT_OPTIONS.rounds) flags.push(`--rounds ${o.rounds}`);
  if (o.syscallSeconds !== DEFAULT_OPTIONS.syscallSeconds) {
    flags.push(`--syscall-seconds ${o.syscallSeconds}`);
  }
  if (o.only.size !== BENCH_PARTS.length) {
    flags.push(`--only ${BENCH_PARTS.filter((p) => o.only.has(p)).join(',')}`);
  }
  return `sudo npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
}
