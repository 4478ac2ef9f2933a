// Pure text work for fetching a package from <codename>-backports with a private apt state:
// the system's own Debian entries with the suite swapped (so the mirror and the keyring
// stay the ones the administrator chose), and picking a version out of `apt-cache show`.

/** Splits deb822 text (sources, `apt-cache show`) into stanzas of field -> value. */
export function parseDeb822(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let cur: Map<string, string> | null = null;
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      cur = null;
      last = null;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (/^\s/.test(line)) {
      // Continuation of the previous field.
      if (cur && last) cur.set(last, `${cur.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (!cur) {
      cur = new Map();
      stanzas.push(cur);
    }
    last = line.slice(0, colon).trim().toLowerCase();
    cur.set(last, line.slice(colon + 1).trim());
  }
  return stanzas;
}

export interface AptSource {
  uris: string[];
  components: string[];
  signedBy: string | null;
}

/** Enabled `deb` entries of a deb822 .sources file that carry `codename` as a suite. */
export function sourcesWithSuite(deb822: string, codename: string): AptSource[] {
  return parseDeb822(deb822)
    .filter((s) => (s.get('types') ?? '').split(/\s+/).includes('deb'))
    .filter((s) => (s.get('enabled') ?? 'yes').toLowerCase() !== 'no')
    .filter((s) => (s.get('suites') ?? '').split(/\s+/).includes(codename))
    .map((s) => ({
      uris: (s.get('uris') ?? '').split(/\s+/).filter(Boolean),
      components: (s.get('components') ?? '').split(/\s+/).filter(Boolean),
      signedBy: s.get('signed-by') ?? null,
    }))
    .filter((s) => s.uris.length > 0 && s.components.length > 0);
}

/** `deb [options] uri suite components...` lines of a one-line sources.list for `codename`. */
export function oneLineSourcesWithSuite(list: string, codename: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of list.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.+)$/.exec(line);
    if (!m || m[3] !== codename) continue;
    const signed = /(?:^|\s)signed-by=(\S+)/.exec(m[1] ?? '');
    out.push({
      uris: [m[2]!],
      components: m[4]!.split(/\s+/).filter(Boolean),
      signedBy: signed ? signed[1]! : null,
    });
  }
  return out;
}

/** One deb822 .sources text with every entry moved to `<codename>-backports`. */
export function renderBackportsSources(sources: readonly AptSource[], codename: string): string {
  return sources
    .map((s) =>
      [
        'Types: deb',
        `URIs: ${s.uris.join(' ')}`,
        `Suites: ${codename}-backports`,
        `Components: ${s.components.join(' ')}`,
        ...(s.signedBy !== null ? [`Signed-By: ${s.signedBy.split('\n').join('\n ')}`] : []),
      ].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}

/**
 * The first version of `pkg` in `apt-cache show` output that equals `upstream` or is a
 * Debian revision of it (`0.0.20231211` matches `0.0.20231211-1~bpo12+1`), or null.
 */
export function pickVersion(aptCacheShow: string, pkg: string, upstream: string): string | null {
  for (const s of parseDeb822(aptCacheShow)) {
    const v = s.get('version') ?? '';
    if (s.get('package') !== pkg) continue;
    if (isRevisionOf(v, upstream)) return v;
  }
  return null;
}

/** True when a Debian version is `upstream` itself or a Debian revision of it. */
export function isRevisionOf(version: string, upstream: string): boolean {
  return version === upstream || version.startsWith(`${upstream}-`);
}
