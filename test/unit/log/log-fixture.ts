/**
 * Synthetic JSONL logs for the viewer's tests and benchmark: a seeded mix of
 * levels, targets and messages (some non-ASCII), times in order, and the
 * damage real files carry: truncated and garbage lines, wrong types, empty
 * lines, CRLF endings.
 */
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
/** Cumulative weights: errors and warnings are rare, trace and debug common. */
const LEVEL_WEIGHTS = [0.02, 0.07, 0.35, 0.7, 1];
const TARGETS = ['tunnel', 'tunnel.wg', 'helper', 'ipc', 'profiles', 'net.route'];
const MESSAGES = [
  'handshake initiated with peer',
  'handshake complete',
  'keepalive sent',
  'packet batch forwarded',
  'route added for allowed IPs',
  'endpoint changed',
  'state -> Connected',
  'DNS servers applied',
  'Verbindung hergestellt: Schlüssel erneuert',
  'échec de la résolution DNS',
  'トンネルが再接続されました',
  'İstanbul sunucusu yanıt vermedi',
  'temperature 300 \u212a reached',
  'quoted "value" with \\ backslash',
];

/** mulberry32: small, fast, and the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FixtureOptions {
  lines: number;
  seed?: number;
  /** Share of malformed lines. Default 0.001. */
  malformed?: number;
  /** Share of lines ending in CRLF. Default 0. */
  crlf?: number;
  /** First line's time, ms since the epoch. */
  startMs?: number;
}

const pick = <T>(rand: () => number, items: readonly T[]): T =>
  items[Math.floor(rand() * items.length)]!;

function malformedLine(rand: () => number, time: string, good: string): string {
  switch (Math.floor(rand() * 9)) {
    case 0:
      return good.slice(0, Math.floor(good.length * rand())); // cut off mid-write
    case 1:
      return 'panic: runtime error: index out of range';
    case 2:
      return '';
    case 3:
      return good.replace('"level":"', '"level":"X'); // unknown level
    case 4:
      return JSON.stringify({ time: 'yesterday', level: 'info', target: 't', message: 'm' });
    case 5:
      return `${good} trailing garbage}`;
    case 6:
      return `[${good}]`;
    case 7:
      // Looks right up to the fields, where the JSON breaks.
      return `{"time":"${time}","level":"warn","target":"t","message":"m","n":01}`;
    default:
      return `{"time":"${time}","level":"info","target":"t","message":"m","level":"debug"}`;
  }
}

/** Log lines without terminators, times increasing from `startMs`. */
export function fixtureLines(options: FixtureOptions): string[] {
  const rand = seededRandom(options.seed ?? 1);
  const malformed = options.malformed ?? 0.001;
  let ms = options.startMs ?? Date.parse('2026-11-25T08:00:00.000Z');
  const out: string[] = [];
  for (let i = 0; i < options.lines; i++) {
    ms += Math.floor(rand() * 40);
    const time = new Date(ms).toISOString();
    const r = rand();
    const level = LEVELS[LEVEL_WEIGHTS.findIndex((w) => r < w)]!;
    const fields: Record<string, unknown> = { i, peer: `pk${Math.floor(rand() * 1e9)}=` };
    if (rand() < 0.5) fields.endpoint = `203.0.113.${Math.floor(rand() * 255)}:51820`;
    if (rand() < 0.3)
      fields.stats = { rx: Math.floor(rand() * 1e6), tx: rand(), ok: true, e: null };
    if (rand() < 0.1) fields.list = [1, -2.5e3, 'x', [], {}];
    const good =
      `{"time":"${time}","level":"${level}","target":"${pick(rand, TARGETS)}"` +
      `,"message":${JSON.stringify(pick(rand, MESSAGES))}` +
      Object.entries(fields)
        .map(([k, v]) => `,"${k}":${JSON.stringify(v)}`)
        .join('') +
      '}';
    out.push(rand() < malformed ? malformedLine(rand, time, good) : good);
  }
  return out;
}

/** The file text: LF or, for a share of lines, CRLF after each line. */
export function fixtureText(
  lines: string[],
  options: { crlf?: number; seed?: number } = {},
): string {
  const rand = seededRandom((options.seed ?? 1) + 7);
  const crlf = options.crlf ?? 0;
  return lines.map((l) => `${l}${rand() < crlf ? '\r\n' : '\n'}`).join('');
}
