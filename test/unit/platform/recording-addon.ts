/**
 * A NativeAddon stand-in for the unit tests of apply/teardown ordering and
 * error paths that the real kernel will not produce on demand (EPERM on a
 * rule delete as root, a failure at one exact step). It records every call;
 * the real-kernel behaviour is covered by test/native/platform.test.ts.
 */
import type { NativeAddon, RouteSpec, RuleSpec } from '../../../app/native/types.js';
import { formatIp } from '../../../app/config/ip.js';

export interface Call {
  op: string;
  text: string;
}

export class SystemError extends Error {
  readonly code: string;
  constructor(op: string, text: string, code: string) {
    super(`${op}: ${text}`);
    this.code = code;
  }
}

function routeText(r: RouteSpec): string {
  return `${formatIp(r.dst)}/${r.prefixLength} dev ${r.ifindex}${r.table === undefined ? '' : ` table ${r.table}`}`;
}

function ruleText(r: RuleSpec): string {
  const parts = [`-${r.family}`];
  if (r.fwmark !== undefined) parts.push(`${r.invert ? 'not ' : ''}fwmark ${r.fwmark}`);
  parts.push(`table ${r.table}`);
  if (r.suppressPrefixLength !== undefined) parts.push(`suppress ${r.suppressPrefixLength}`);
  return parts.join(' ');
}

export class RecordingAddon implements NativeAddon {
  readonly calls: Call[] = [];
  /** Makes the call whose "op text" matches throw (op, errno text, code). */
  failures: { match: RegExp; text: string; code: string }[] = [];
  /** Called before each recorded call (to inspect state at that moment). */
  onCall: ((call: Call) => void) | null = null;
  links = new Map<string, number>();

  private record(op: string, text: string): void {
    const call = { op, text };
    this.onCall?.(call);
    const failure = this.failures.find((f) => f.match.test(`${op} ${text}`));
    if (failure) throw new SystemError(op, failure.text, failure.code);
    this.calls.push(call);
  }

  openTun(): never {
    throw new Error('not used by these tests');
  }
  openUdp(): never {
    throw new Error('not used by these tests');
  }
  offloadSplit(): never {
    throw new Error('not used by these tests');
  }
  offloadCoalesce(): never {
    throw new Error('not used by these tests');
  }
  linkSetMtu(ifindex: number, mtu: number): void {
    this.record('linkSetMtu', `${ifindex} ${mtu}`);
  }
  linkSetUp(ifindex: number, up: boolean): void {
    this.record('linkSetUp', `${ifindex} ${up}`);
  }
  linkDelete(name: string): void {
    this.record('linkDelete', name);
    this.links.delete(name);
  }
  linkIndex(name: string): number {
    return this.links.get(name) ?? 0;
  }
  addressAdd(ifindex: number, addr: Uint8Array, prefixLength: number): void {
    this.record('addressAdd', `${formatIp(addr)}/${prefixLength} dev ${ifindex}`);
  }
  routeAdd(route: RouteSpec): void {
    this.record('routeAdd', routeText(route));
  }
  routeDelete(route: RouteSpec): void {
    this.record('routeDelete', routeText(route));
  }
  ruleAdd(rule: RuleSpec): void {
    this.record('ruleAdd', ruleText(rule));
  }
  ruleDelete(rule: RuleSpec): void {
    this.record('ruleDelete', ruleText(rule));
  }
  copyRanges(): void {
    throw new Error('the platform layer does not move packets');
  }
  foldAscii(): void {
    throw new Error('the platform layer does not search text');
  }
  findLines(): number {
    throw new Error('the platform layer does not search text');
  }
}
