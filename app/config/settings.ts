/**
 * The catalogue of settings a wg-quick file may contain: which section each
 * belongs to, whether it may repeat, and which ones are wg-quick features
 * Slipstream deliberately ignores. Anything not listed is an error, so a typo
 * ("Adress") is reported instead of silently dropping an address.
 */
export type SectionKind = 'interface' | 'peer';

export type SettingName =
  | 'PrivateKey'
  | 'Address'
  | 'DNS'
  | 'MTU'
  | 'ListenPort'
  | 'FwMark'
  | 'PreUp'
  | 'PostUp'
  | 'PreDown'
  | 'PostDown'
  | 'Table'
  | 'SaveConfig'
  | 'PublicKey'
  | 'PresharedKey'
  | 'Endpoint'
  | 'AllowedIPs'
  | 'PersistentKeepalive';

export interface Setting {
  name: SettingName;
  section: SectionKind;
  /** Repeated lines add to a list instead of being a duplicate. */
  repeatable: boolean;
  /** wg-quick features that are accepted with a warning and never acted on. */
  ignored?: 'hook' | 'unsupported';
}

const SETTINGS: readonly Setting[] = [
  { name: 'PrivateKey', section: 'interface', repeatable: false },
  { name: 'Address', section: 'interface', repeatable: true },
  { name: 'DNS', section: 'interface', repeatable: true },
  { name: 'MTU', section: 'interface', repeatable: false },
  { name: 'ListenPort', section: 'interface', repeatable: false },
  { name: 'FwMark', section: 'interface', repeatable: false },
  { name: 'PreUp', section: 'interface', repeatable: true, ignored: 'hook' },
  { name: 'PostUp', section: 'interface', repeatable: true, ignored: 'hook' },
  { name: 'PreDown', section: 'interface', repeatable: true, ignored: 'hook' },
  { name: 'PostDown', section: 'interface', repeatable: true, ignored: 'hook' },
  { name: 'Table', section: 'interface', repeatable: true, ignored: 'unsupported' },
  { name: 'SaveConfig', section: 'interface', repeatable: true, ignored: 'unsupported' },
  { name: 'PublicKey', section: 'peer', repeatable: false },
  { name: 'PresharedKey', section: 'peer', repeatable: false },
  { name: 'Endpoint', section: 'peer', repeatable: false },
  { name: 'AllowedIPs', section: 'peer', repeatable: true },
  { name: 'PersistentKeepalive', section: 'peer', repeatable: false },
];

export const SECTION_HEADER: Readonly<Record<SectionKind, string>> = {
  interface: '[Interface]',
  peer: '[Peer]',
};

/** Keys are case-insensitive, as in wg(8). */
export function findSetting(key: string): Setting | undefined {
  const lower = key.toLowerCase();
  return SETTINGS.find((s) => s.name.toLowerCase() === lower);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** The setting of `section` closest to a misspelt key, if one is close enough to be a typo. */
export function suggestSetting(key: string, section: SectionKind): SettingName | undefined {
  const lower = key.toLowerCase();
  let best: { name: SettingName; distance: number } | undefined;
  for (const setting of SETTINGS) {
    if (setting.section !== section) continue;
    const distance = editDistance(lower, setting.name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance))
      best = { name: setting.name, distance };
  }
  return best?.name;
}
