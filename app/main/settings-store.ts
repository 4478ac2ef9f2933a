/**
 * The user's settings, one JSON file in the app's data directory. A missing
 * or damaged file means defaults (and the damage is reported once), so the
 * app always starts; writes are atomic.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Settings } from '../../ipc/schema.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

export const DEFAULT_SETTINGS: Settings = {
  startAtLogin: false,
  logLevel: 'info',
  keepTunnelWhenWindowCloses: true,
};

export class SettingsStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private current: Settings,
  ) {}

  /** `problem` says why defaults were used, when the file existed but was unusable. */
  static async open(dir: string): Promise<{ store: SettingsStore; problem: string | null }> {
    const file = path.join(dir, 'settings.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { store: new SettingsStore(file, { ...DEFAULT_SETTINGS }), problem: null };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { store: new SettingsStore(file, { ...DEFAULT_SETTINGS }), problem: 'not JSON' };
    }
    // Unknown or missing keys fall back one by one, so an old file keeps what it can.
    const merged = Settings.safeParse({ ...DEFAULT_SETTINGS, ...(parsed as object) });
    return merged.success
      ? { store: new SettingsStore(file, merged.data), problem: null }
      : {
          store: new SettingsStore(file, { ...DEFAULT_SETTINGS }),
          problem: 'invalid values',
        };
  }

  get value(): Settings {
    return { ...this.current };
  }

  /** One at a time: each update starts from the one before, so quick changes all stick. */
  update(patch: Partial<Settings>): Promise<Settings> {
    const run = this.queue.then(async () => {
      const next = Settings.parse({ ...this.current, ...patch });
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
      this.current = next;
      return this.value;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
