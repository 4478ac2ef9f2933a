/**
 * Guard for the native suites: the interface names the fixtures use must
 * never show up in the host namespace.
 */
import { execFileSync } from 'node:child_process';

export const FIXTURE_LINK_NAMES = [
  'sstun0',
  'sstun1',
  'sstio0',
  'sstio1',
  'sstio2',
  'sstgc0',
  'sstworker0',
  'sstpersist0',
  'sstq0',
  'sstq1',
];

/** Fixture interface names present in the host namespace (should be none). */
export function fixtureLinksInHost(): string[] {
  const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as {
    ifname: string;
  }[];
  return links.map((l) => l.ifname).filter((name) => FIXTURE_LINK_NAMES.includes(name));
}
