// The stronger reference: Debian's wireguard-go 0.0.20231211 from <codename>-backports (TUN
// TSO/USO offloads, UDP GSO/GRO). Fetched once into a private root-owned cache with its own
// apt state, never touching the system's apt configuration or installed packages; apt still
// checks the signed index against the system's keyring and the .deb against the index.
//
// BENCH_WIREGUARD_GO_2023=/path skips the fetch; BENCH_CACHE_DIR moves the cache.
import {
  constants,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runOk } from '../../harness/system.js';
import {
  isRevisionOf,
  oneLineSourcesWithSuite,
  pickVersion,
  renderBackportsSources,
  sourcesWithSuite,
  type AptSource,
} from './apt-sources.js';

export const WG_2023_UPSTREAM = '0.0.20231211';
export const DEFAULT_CACHE_DIR = '/var/cache/slipstream-bench';
const ENV_BINARY = 'BENCH_WIREGUARD_GO_2023';

export interface FetchedBinary {
  path: string;
  /** Debian version, or where the binary came from when it was given. */
  version: string;
}

/** The cache directory: a real directory, root's, closed to everyone else (0700). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.uid !== process.getuid?.()) throw new Error(`${dir} must belong to root`);
  // What runs from here runs as root: a directory others could write to is refused.
  if ((st.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be mode 0700 (it is ${(st.mode & 0o7777).toString(8)})`);
  }
}

function checkExecutable(file: string, what: string): void {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new Error(`${what} ${file} does not exist`);
  }
  if (!st.isFile() || (st.mode & constants.S_IXUSR) === 0) {
    throw new Error(`${what} ${file} is not an executable file`);
  }
}

function codename(): string {
  const m = /^VERSION_CODENAME=(.+)$/m.exec(readFileSync('/etc/os-release', 'utf8'));
  const name = m?.[1]?.replace(/^"|"$/g, '').trim();
  if (!name) throw new Error('/etc/os-release names no VERSION_CODENAME (not Debian?)');
  return name;
}

/** The system's Debian entries for `suite`, from the deb822 and the one-line formats. */
function systemSources(suite: string): AptSource[] {
  const found: AptSource[] = [];
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  found.push(...sourcesWithSuite(read('/etc/apt/sources.list.d/debian.sources'), suite));
  found.push(...oneLineSourcesWithSuite(read('/etc/apt/sources.list'), suite));
  return found;
}

async function download(cache: string): Promise<FetchedBinary> {
  const suite = codename();
  const sources = systemSources(suite);
  if (sources.length === 0) {
    throw new Error(`no Debian apt source for ${suite} found to derive ${suite}-backports from`);
  }
  const work = await mkdtemp(path.join(cache, 'fetch-'));
  try {
    for (const d of ['src', 'lists/partial', 'cache/archives/partial', 'root']) {
      mkdirSync(path.join(work, d), { recursive: true, mode: 0o700 });
    }
    await writeFile(
      path.join(work, 'src', 'backports.sources'),
      renderBackportsSources(sources, suite),
    );
    // Only our own sources, lists and cache; the system's status file is read, never written.
    const o = [
      ['Dir::Etc::sourcelist', '/dev/null'],
      ['Dir::Etc::sourceparts', path.join(work, 'src')],
      ['Dir::State::Lists', path.join(work, 'lists')],
      ['Dir::Cache', path.join(work, 'cache')],
      // The work directory is root's 0700: apt's _apt sandbox user could not write there.
      ['APT::Sandbox::User', 'root'],
    ].flatMap(([k, v]) => ['-o', `${k}=${v}`]);
    await runOk('apt-get', [...o, '-qq', 'update'], { timeoutMs: 300_000 });
    const shown = await runOk('apt-cache', [...o, 'show', 'wireguard-go']);
    const version = pickVersion(shown.stdout, 'wireguard-go', WG_2023_UPSTREAM);
    if (version === null) {
      throw new Error(`${suite}-backports offers no wireguard-go ${WG_2023_UPSTREAM}`);
    }
    await runOk('apt-get', [...o, '-qq', 'download', `wireguard-go=${version}`], {
      cwd: work,
      timeoutMs: 300_000,
    });
    const deb = path.join(work, `wireguard-go_${version.replace(/^\d+:/, '')}_${await arch()}.deb`);
    const debVersion = (await runOk('dpkg-deb', ['-f', deb, 'Version'])).stdout.trim();
    if (debVersion !== version) throw new Error(`downloaded ${deb} is version ${debVersion}`);
    await runOk('dpkg-deb', ['-x', deb, path.join(work, 'root')]);
    const dir = path.join(cache, `wireguard-go-${version}`);
    const staged = path.join(work, 'out');
    mkdirSync(staged, { mode: 0o755 });
    await copyFile(
      path.join(work, 'root', 'usr', 'bin', 'wireguard-go'),
      path.join(staged, 'wireguard-go'),
    );
    checkExecutable(path.join(staged, 'wireguard-go'), 'extracted');
    // Whole directory renamed into place: a killed fetch never leaves a half binary.
    rmSync(dir, { recursive: true, force: true });
    renameSync(staged, dir);
    return { path: path.join(dir, 'wireguard-go'), version };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function arch(): Promise<string> {
  return (await runOk('dpkg', ['--print-architecture'])).stdout.trim();
}

/** The 2023 wireguard-go binary: the override, the cached copy, or a fresh download. */
export async function wireguardGo2023(env = process.env): Promise<FetchedBinary> {
  const given = env[ENV_BINARY];
  if (given !== undefined && given !== '') {
    const file = path.resolve(given);
    checkExecutable(file, ENV_BINARY);
    return { path: file, version: `${ENV_BINARY}=${file}` };
  }
  const cache = path.resolve(env.BENCH_CACHE_DIR || DEFAULT_CACHE_DIR);
  ensurePrivateDir(cache);
  for (const name of readdirSync(cache).sort()) {
    const m = /^wireguard-go-(.+)$/.exec(name);
    if (!m || !isRevisionOf(m[1]!, WG_2023_UPSTREAM)) continue;
    const file = path.join(cache, name, 'wireguard-go');
    try {
      checkExecutable(file, 'cached');
      return { path: file, version: m[1]! };
    } catch {
      // A damaged cache entry is fetched again below.
    }
  }
  return download(cache);
}
