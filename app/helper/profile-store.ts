/**
 * The helper's profiles: imported wg-quick configs, kept where only the
 * helper (root) can read them, like NetworkManager's system-connections. The
 * text is stored as imported (0600, in a 0700 directory) so nothing is lost
 * in a round trip; the renderer only ever sees summaries, never keys.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ProfileSummary } from '../../ipc/schema.js';
import { formatEndpoint } from '../config/endpoint.js';
import { ConfigError } from '../config/errors.js';
import { parseWgQuick } from '../config/parse.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import type { WgQuickConfig } from '../config/types.js';

const Meta = z.object({
  name: z.string().min(1).max(200),
  fileName: z.string().max(255),
  importedAt: z.string(),
});
type Meta = z.infer<typeof Meta>;

export type ImportResult =
  | { ok: true; profile: ProfileSummary }
  | { ok: false; problems: { line: number | null; message: string }[] };

const ID = /^[0-9a-f]{16}$/;

export class ProfileNotFound extends Error {
  constructor() {
    super('There is no such profile.');
    this.name = 'ProfileNotFound';
  }
}

/** The most addresses or endpoints a summary lists (the IPC schema's bound); `peers` stays exact. */
const LISTED = 64;

/** What the UI may know about a config: addresses and endpoints, never keys. */
export function summarize(id: string, name: string, config: WgQuickConfig): ProfileSummary {
  const endpoints = config.peers.flatMap((p) => (p.endpoint ? [formatEndpoint(p.endpoint)] : []));
  return {
    id,
    name,
    addresses: config.interface.addresses.map((a) => a.text).slice(0, LISTED),
    endpoints: endpoints.slice(0, LISTED),
    peers: config.peers.length,
    fullTunnel: config.peers.some((p) => p.allowedIps.some((c) => c.prefixLength === 0)),
  };
}

/** "Office VPN.conf" → "Office VPN"; anything unprintable goes. */
function nameFromFile(fileName: string): string {
  const base = path.basename(fileName.replace(/\\/g, '/')).replace(/\.conf$/i, '');
  const clean = base.replace(/[\p{C}]/gu, '').trim();
  return clean.slice(0, 200) || 'Imported profile';
}

export class ProfileStore {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<ProfileStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new ProfileStore(dir);
  }

  async list(): Promise<ProfileSummary[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: ProfileSummary[] = [];
    for (const file of names.sort()) {
      const id = file.replace(/\.json$/, '');
      if (!file.endsWith('.json') || !ID.test(id)) continue;
      try {
        const { meta, config } = await this.load(id);
        out.push(summarize(id, meta.name, config));
      } catch {
        // A profile damaged on disk is skipped here; get() reports it when used.
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Parses and stores; a config with problems is reported line by line and not stored. */
  async import(fileName: string, text: string): Promise<ImportResult> {
    let config: WgQuickConfig;
    try {
      config = parseWgQuick(text, fileName);
    } catch (err) {
      if (err instanceof ConfigError) {
        return {
          ok: false,
          problems: [{ line: err.line > 0 ? err.line : null, message: err.problem.slice(0, 500) }],
        };
      }
      throw err;
    }
    const id = randomBytes(8).toString('hex');
    const meta: Meta = {
      name: nameFromFile(fileName),
      fileName: fileName.slice(0, 255),
      importedAt: new Date().toISOString(),
    };
    // Config first, then metadata: list() only sees a profile once both exist.
    await this.writePrivate(`${id}.conf`, text);
    await this.writePrivate(`${id}.json`, JSON.stringify(meta));
    return { ok: true, profile: summarize(id, meta.name, config) };
  }

  async get(id: string): Promise<{ name: string; config: WgQuickConfig }> {
    const { meta, config } = await this.load(id);
    return { name: meta.name, config };
  }

  async rename(id: string, name: string): Promise<void> {
    const { meta } = await this.load(id);
    await this.writePrivate(
      `${id}.json`,
      JSON.stringify({ ...meta, name: name.trim() || meta.name }),
    );
  }

  async remove(id: string): Promise<void> {
    if (!ID.test(id)) throw new ProfileNotFound();
    const existed = await stat(this.file(`${id}.json`)).then(
      () => true,
      () => false,
    );
    if (!existed) throw new ProfileNotFound();
    await rm(this.file(`${id}.json`), { force: true });
    await rm(this.file(`${id}.conf`), { force: true });
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private async load(id: string): Promise<{ meta: Meta; config: WgQuickConfig }> {
    if (!ID.test(id)) throw new ProfileNotFound();
    let metaText: string;
    let text: string;
    try {
      metaText = await readFile(this.file(`${id}.json`), 'utf8');
      text = await readFile(this.file(`${id}.conf`), 'utf8');
    } catch {
      throw new ProfileNotFound();
    }
    const meta = Meta.parse(JSON.parse(metaText));
    return { meta, config: parseWgQuick(text, meta.fileName) };
  }

  /** Atomic replace, created 0600: a crash never leaves half a key file. */
  private writePrivate(name: string, text: string): Promise<void> {
    return writeFileAtomic(this.file(name), text, { mode: 0o600 });
  }
}
