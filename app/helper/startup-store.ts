/**
 * What the helper needs to bring a tunnel up on its own at start (always-on):
 * the "Connect at startup" setting and the profile the user last connected.
 * One small JSON file in the helper's state directory (root's, 0700), written
 * 0600 and atomically. A missing or damaged file means "off": the helper
 * never connects on a guess.
 *
 * Also the resume mark: the helper stopped (a service restart, an upgrade)
 * while the user wanted the tunnel. Its kill switch kept blocking meanwhile;
 * the next helper of the same boot brings the profile back at once. The boot
 * id ties it to this boot: after a reboot only "Connect at startup" connects.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HelperSettings } from '../../ipc/schema.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

const ProfileId = z.string().regex(/^[0-9a-f]{16}$/);

const Stored = HelperSettings.extend({
  lastProfileId: ProfileId.nullable(),
  resume: z
    .object({ profileId: ProfileId, bootId: z.string().regex(/^[0-9a-f-]{1,64}$/) })
    .strict()
    .optional(),
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

  /** The profile to resume in boot `bootId` (see above), or null. */
  resumeProfile(bootId: string | null): string | null {
    const r = this.current.resume;
    return r && bootId !== null && r.bootId === bootId ? r.profileId : null;
  }

  /** Marks `profileId` to be resumed by the next helper of boot `bootId`; null clears it. */
  setResume(mark: { profileId: string; bootId: string } | null): Promise<void> {
    if (mark === null && this.current.resume === undefined) return Promise.resolve();
    return this.write((current) => {
      const { resume: _dropped, ...rest } = current;
      return mark === null ? rest : { ...rest, resume: mark };
    });
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
