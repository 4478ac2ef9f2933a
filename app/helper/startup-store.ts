/**
 * What the helper needs to bring a tunnel up on its own at start (always-on):
 * the "Connect at startup" setting and the profile the user last connected.
 * One small JSON file in the helper's state directory (root's, 0700), written
 * 0600 and atomically. A missing or damaged file means "off": the helper
 * never connects on a guess.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HelperSettings } from '../../ipc/schema.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

const Stored = HelperSettings.extend({
  lastProfileId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable(),
});
type Stored = z.infer<typeof Stored>;

const DEFAULTS: Stored = { connectAtStartup: false, lastProfileId: null };

export class StartupStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private current: Stored,
  ) {}

  /** `problem` says why the defaults were used, when a file existed but was unusable. */
  static async open(stateDir: string): Promise<{ store: StartupStore; problem: string | null }> {
    const file = path.join(stateDir, 'startup.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { store: new StartupStore(file, { ...DEFAULTS }), problem: null };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { store: new StartupStore(file, { ...DEFAULTS }), problem: 'not JSON' };
    }
    const ok = Stored.safeParse(parsed);
    return ok.success
      ? { store: new StartupStore(file, ok.data), problem: null }
      : { store: new StartupStore(file, { ...DEFAULTS }), problem: 'invalid values' };
  }

  get settings(): HelperSettings {
    return { connectAtStartup: this.current.connectAtStartup };
  }

  /** The profile to bring up at start, or null when the setting is off or none was used. */
  get startupProfile(): string | null {
    return this.current.connectAtStartup ? this.current.lastProfileId : null;
  }

  update(patch: Partial<HelperSettings>): Promise<HelperSettings> {
    const change = HelperSettings.partial().strict().parse(patch);
    return this.write((current) => ({ ...current, ...change })).then(() => this.settings);
  }

  rememberProfile(profileId: string): Promise<void> {
    if (this.current.lastProfileId === profileId) return Promise.resolve();
    return this.write((current) => ({ ...current, lastProfileId: profileId }));
  }

  /** Writes one at a time, each from the one before, so quick changes all stick. */
  private write(change: (current: Stored) => Stored): Promise<void> {
    const run = this.queue.then(async () => {
      const valid = Stored.parse(change(this.current));
      await writeFileAtomic(this.file, `${JSON.stringify(valid)}\n`, { mode: 0o600 });
      this.current = valid;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
