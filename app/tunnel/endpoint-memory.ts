/**
 * The last address each Endpoint host name resolved to, kept by root next to
 * the tunnel journals (/run/slipstream/endpoints.json, a tmpfs: a reboot
 * forgets it).
 *
 * Why: a kill switch kept blocking through a helper restart (or left by a
 * killed run) lets DNS out only through the tunnel that is gone, so looking
 * the endpoint up again fails and the tunnel could never come back. Falling
 * back to the address the name had last time lets it reconnect; once the
 * tunnel is up, names are looked up again through it (staying-connected.ts).
 *
 * The file is read only if it is a regular file (no symlink followed), ours,
 * writable by nobody else and small; whatever does not parse is ignored. It
 * holds no secrets.
 *
 * On Windows it sits beside the WFP kill switch's journals in
 * %ProgramData%\Slipstream\state, which the installer creates with an ACL that
 * lets only SYSTEM and Administrators write (so no owner or mode check); it is
 * read only if it is a regular file (not a link or junction) and small.
 */
import { constants, promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { ensureOwnedDir, RUNTIME_DIR_MODE } from '../util/owned-dir.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

export interface EndpointMemory {
  recall(host: string): Promise<string | null>;
  remember(host: string, address: string): Promise<void>;
}

/** Names kept; the oldest go first. Plenty for every profile a user has. */
export const MAX_REMEMBERED = 64;
const MAX_FILE_BYTES = 64 * 1024;
const MAX_HOST_LENGTH = 253;

type Entries = [host: string, address: string][];

function parseEntries(text: string): Entries {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const hosts = (data as { hosts?: unknown } | null)?.hosts;
  if (!Array.isArray(hosts)) return [];
  const out: Entries = [];
  for (const item of hosts.slice(-MAX_REMEMBERED)) {
    if (!Array.isArray(item) || item.length !== 2) continue;
    const [host, address] = item as unknown[];
    if (typeof host !== 'string' || host.length === 0 || host.length > MAX_HOST_LENGTH) continue;
    if (typeof address !== 'string' || isIP(address) === 0) continue;
    out.push([host, address]);
  }
  return out;
}

export function fileEndpointMemory(
  dir: string,
  platform: NodeJS.Platform = process.platform,
): EndpointMemory {
  const file = path.join(dir, 'endpoints.json');
  const windows = platform === 'win32';

  const readWindows = async (): Promise<Entries> => {
    const st = await fs.lstat(file).catch(() => null);
    if (!st || !st.isFile() || st.size > MAX_FILE_BYTES) return [];
    return parseEntries(await fs.readFile(file, 'utf8').catch(() => ''));
  };

  const read = async (): Promise<Entries> => {
    if (windows) return readWindows();
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return []; // absent, or a symlink (ELOOP): nothing remembered
    }
    try {
      const st = await handle.stat();
      const uid = process.getuid?.() ?? 0;
      if (!st.isFile() || st.uid !== uid || (st.mode & 0o022) !== 0) return [];
      if (st.size > MAX_FILE_BYTES) return [];
      return parseEntries(await handle.readFile('utf8'));
    } finally {
      await handle.close();
    }
  };

  return {
    async recall(host) {
      const found = (await read()).find(([h]) => h === host);
      return found ? found[1] : null;
    },
    async remember(host, address) {
      if (host.length > MAX_HOST_LENGTH || isIP(address) === 0) return;
      const entries = (await read()).filter(([h]) => h !== host);
      entries.push([host, address]);
      // Refuses a directory that is not ours or that others may write (never follows it);
      // on Windows the installer's ACL on the data root decides that.
      if (windows) await fs.mkdir(dir, { recursive: true });
      else await ensureOwnedDir(dir, RUNTIME_DIR_MODE);
      await writeFileAtomic(
        file,
        `${JSON.stringify({ hosts: entries.slice(-MAX_REMEMBERED) })}\n`,
        { mode: 0o600 },
      );
    },
  };
}
