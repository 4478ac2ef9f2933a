/**
 * The helper's profiles: imported wg-quick configs, kept where only the
 * helper (root) can read them, like NetworkManager's system-connections. The
 * text is stored as imported (0600, in a 0700 directory) so nothing is lost
 * in a round trip; the renderer only ever sees summaries, never keys.
 *
 * The served user imports, so the store bounds what an import may cost root:
 * MAX_PROFILES profiles of at most MAX_PROFILE_BYTES each. Parsing runs on a
 * worker thread (parse-off-thread.ts), never on the thread carrying the
 * tunnel's packets, and the list is answered from summaries kept next to each
 * profile (and in memory), so listing never parses at all.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_PROFILE_SETTINGS,
  ProfileSettings as ProfileSettingsSchema,
  ProfileSummary as ProfileSummarySchema,
} from '../../ipc/schema.js';
import type { ProfileSettings, ProfileSummary } from '../../ipc/schema.js';
import { ConfigError } from '../config/errors.js';
import { profileFacts, type ProfileFacts } from '../config/summary.js';
import { OffThreadParser } from '../config/parse-off-thread.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import type { WgQuickConfig } from '../config/types.js';

const Meta = z.object({
  name: z.string().min(1).max(200),
  fileName: z.string().max(255),
  importedAt: z.string(),
  /** Absent in profiles imported before summaries were kept; filled in on first list. */
  summary: ProfileSummarySchema.omit({ id: true, name: true, settings: true }).optional(),
  /** The profile's own settings (kill switch, allow LAN); absent = the defaults. */
  settings: ProfileSettingsSchema.optional(),
});
type Meta = z.infer<typeof Meta>;

export type ImportResult =
  | { ok: true; profile: ProfileSummary }
  | { ok: false; problems: { line: number | null; message: string }[] };

const ID = /^[0-9a-f]{16}$/;

/** The most profiles one user keeps, and the largest one (UTF-8 bytes of the file). */
export const MAX_PROFILES = 64;
export const MAX_PROFILE_BYTES = 256 * 1024;

export class ProfileNotFound extends Error {
  constructor() {
    super('There is no such profile.');
    this.name = 'ProfileNotFound';
  }
}

/** What the UI may know about a config: addresses and endpoints, never keys. */
export function summarize(id: string, name: string, config: WgQuickConfig): ProfileSummary {
  return { id, name, ...profileFacts(config), settings: DEFAULT_PROFILE_SETTINGS };
}

/** "Office VPN.conf" → "Office VPN"; anything unprintable goes. */
function nameFromFile(fileName: string): string {
  const base = path.basename(fileName.replace(/\\/g, '/')).replace(/\.conf$/i, '');
  const clean = base.replace(/[\p{C}]/gu, '').trim();
  return clean.slice(0, 200) || 'Imported profile';
}

type Stored = { meta: Meta; summary: ProfileSummary };

export class ProfileStore {
  private readonly parser = new OffThreadParser();
  /** Every profile's metadata and summary, read once; null until the first use. */
  private index: Map<string, Stored> | null = null;
  private loading: Promise<Map<string, Stored>> | null = null;
  /** Imports past the last check and still writing: they count against the cap too. */
  private writing = 0;

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<ProfileStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new ProfileStore(dir);
  }

  async list(): Promise<ProfileSummary[]> {
    const index = await this.profiles();
    return [...index.values()].map((p) => p.summary).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Parses and stores; a config with problems is reported line by line and not stored. */
  async import(fileName: string, text: string): Promise<ImportResult> {
    const refuse = (message: string): ImportResult => ({
      ok: false,
      problems: [{ line: null, message }],
    });
    if (Buffer.byteLength(text, 'utf8') > MAX_PROFILE_BYTES) {
      return refuse(
        `This file is larger than ${MAX_PROFILE_BYTES / 1024} KB, too large for a WireGuard configuration.`,
      );
    }
    const index = await this.profiles();
    if (index.size >= MAX_PROFILES) {
      return refuse(
        `Slipstream keeps at most ${MAX_PROFILES} profiles. Delete one to import another.`,
      );
    }
    let facts: ProfileFacts;
    try {
      // Only the facts cross back from the parser: a whole 2000-peer config would take
      // its own while to copy onto this thread.
      facts = await this.parser.facts(text, fileName);
    } catch (err) {
      if (err instanceof ConfigError) {
        return {
          ok: false,
          problems: [{ line: err.line > 0 ? err.line : null, message: err.problem.slice(0, 500) }],
        };
      }
      throw err;
    }
    // Checked again, and the slot taken before the next await: imports parsed at the
    // same time would otherwise all pass the check and write past the cap.
    if (index.size + this.writing >= MAX_PROFILES) {
      return refuse(
        `Slipstream keeps at most ${MAX_PROFILES} profiles. Delete one to import another.`,
      );
    }
    this.writing += 1;
    try {
      return { ok: true, profile: await this.store(index, fileName, text, facts) };
    } finally {
      this.writing -= 1;
    }
  }

  private async store(
    index: Map<string, Stored>,
    fileName: string,
    text: string,
    facts: ProfileFacts,
  ): Promise<ProfileSummary> {
    const id = randomBytes(8).toString('hex');
    const name = nameFromFile(fileName);
    const summary: ProfileSummary = { id, name, ...facts, settings: DEFAULT_PROFILE_SETTINGS };
    const meta: Meta = {
      name,
      fileName: fileName.slice(0, 255),
      importedAt: new Date().toISOString(),
      summary: withoutIdentity(summary),
    };
    // Config first, then metadata: a profile exists once both do.
    await this.writePrivate(`${id}.conf`, text);
    await this.writePrivate(`${id}.json`, JSON.stringify(meta));
    index.set(id, { meta, summary });
    return summary;
  }

  async get(
    id: string,
  ): Promise<{ name: string; config: WgQuickConfig; settings: ProfileSettings }> {
    const { meta } = await this.stored(id);
    let text: string;
    try {
      text = await readFile(this.file(`${id}.conf`), 'utf8');
    } catch {
      throw new ProfileNotFound();
    }
    return {
      name: meta.name,
      config: await this.parser.parse(text, meta.fileName),
      settings: meta.settings ?? DEFAULT_PROFILE_SETTINGS,
    };
  }

  /** Changes the given settings, keeps the rest; returns the updated summary. */
  async setSettings(id: string, patch: Partial<ProfileSettings>): Promise<ProfileSummary> {
    const { meta, summary } = await this.stored(id);
    const settings = ProfileSettingsSchema.parse({
      ...(meta.settings ?? DEFAULT_PROFILE_SETTINGS),
      ...patch,
    });
    const next: Meta = { ...meta, settings };
    await this.writePrivate(`${id}.json`, JSON.stringify(next));
    const updated = { ...summary, settings };
    (await this.profiles()).set(id, { meta: next, summary: updated });
    return updated;
  }

  async rename(id: string, name: string): Promise<void> {
    const { meta, summary } = await this.stored(id);
    const renamed = name.trim() || meta.name;
    const next: Meta = { ...meta, name: renamed };
    await this.writePrivate(`${id}.json`, JSON.stringify(next));
    (await this.profiles()).set(id, { meta: next, summary: { ...summary, name: renamed } });
  }

  async remove(id: string): Promise<void> {
    await this.stored(id);
    await rm(this.file(`${id}.json`), { force: true });
    await rm(this.file(`${id}.conf`), { force: true });
    (await this.profiles()).delete(id);
  }

  /** Stops the parser thread. */
  close(): Promise<void> {
    return this.parser.close();
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private async stored(id: string): Promise<Stored> {
    if (!ID.test(id)) throw new ProfileNotFound();
    const found = (await this.profiles()).get(id);
    if (!found) throw new ProfileNotFound();
    return found;
  }

  /** The index, read from disk on first use (one at a time). */
  private profiles(): Promise<Map<string, Stored>> {
    if (this.index) return Promise.resolve(this.index);
    this.loading ??= this.readIndex().then(
      (index) => (this.index = index),
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  private async readIndex(): Promise<Map<string, Stored>> {
    const index = new Map<string, Stored>();
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const file of names.sort()) {
      const id = file.replace(/\.json$/, '');
      if (!file.endsWith('.json') || !ID.test(id)) continue;
      try {
        const meta = Meta.parse(JSON.parse(await readFile(this.file(file), 'utf8')));
        const settings = meta.settings ?? DEFAULT_PROFILE_SETTINGS;
        if (meta.summary) {
          index.set(id, { meta, summary: { id, name: meta.name, ...meta.summary, settings } });
          continue;
        }
        // Imported before summaries were kept: parse once, keep the summary from now on.
        const text = await readFile(this.file(`${id}.conf`), 'utf8');
        const facts = await this.parser.facts(text, meta.fileName);
        const summary: ProfileSummary = { id, name: meta.name, ...facts, settings };
        const upgraded: Meta = { ...meta, summary: withoutIdentity(summary) };
        await this.writePrivate(file, JSON.stringify(upgraded));
        index.set(id, { meta: upgraded, summary });
      } catch {
        // A profile damaged on disk is left out of the list (and cannot be connected).
      }
    }
    return index;
  }

  /** Atomic replace, created 0600: a crash never leaves half a key file. */
  private writePrivate(name: string, text: string): Promise<void> {
    return writeFileAtomic(this.file(name), text, { mode: 0o600 });
  }
}

function withoutIdentity(summary: ProfileSummary): NonNullable<Meta['summary']> {
  const { id: _id, name: _name, settings: _settings, ...rest } = summary;
  return rest;
}
