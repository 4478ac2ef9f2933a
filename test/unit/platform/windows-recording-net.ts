/**
 * A recording fake of the Windows native boundary (WinNetApi): every call is
 * logged as one line, the system state it would change is modelled (routes,
 * addresses, DNS, NRPT, WFP), and any call can be made to fail.
 */
import type {
  Family,
  KillSwitchSpec,
  WinDnsRegistryBackup,
  WinNetApi,
  WinRoute,
} from '../../../app/platform/windows/native.js';

export class RecordingWinNet implements WinNetApi {
  calls: string[] = [];
  routes = new Set<string>();
  addresses = new Set<string>();
  nrpt = new Set<string>();
  killSwitch: KillSwitchSpec | null = null;
  dns = new Map<number, string>();
  registry = new Map<string, WinDnsRegistryBackup>();
  /** SetInterfaceDnsSettings present (Windows 10 2004+). */
  dnsApi = true;
  /** Call names (e.g. 'addRoute') that throw, each once per entry. */
  failures: string[] = [];
  best: { ifindex: number; nextHop: string } | null = { ifindex: 7, nextHop: '192.168.1.1' };

  private maybeFail(name: string): void {
    const i = this.failures.indexOf(name);
    if (i !== -1) {
      this.failures.splice(i, 1);
      throw new Error(`${name}: ERROR_ACCESS_DENIED`);
    }
  }
  private rkey(r: WinRoute): string {
    return `${r.dst}/${r.prefixLength} if${r.ifindex}${r.nextHop ? ` via ${r.nextHop}` : ''} m${r.metric}`;
  }

  setMtu(ifindex: number, family: Family, mtu: number): void {
    this.calls.push(`setMtu ${ifindex} v${family} ${mtu}`);
    this.maybeFail('setMtu');
  }
  addAddress(ifindex: number, family: Family, address: string, prefixLength: number): void {
    this.calls.push(`addAddress ${ifindex} ${address}/${prefixLength}`);
    this.maybeFail('addAddress');
    this.addresses.add(`${ifindex} ${address}/${prefixLength} v${family}`);
  }
  deleteAddress(ifindex: number, family: Family, address: string, prefixLength: number): void {
    this.calls.push(`deleteAddress ${ifindex} ${address}/${prefixLength}`);
    this.maybeFail('deleteAddress');
    this.addresses.delete(`${ifindex} ${address}/${prefixLength} v${family}`);
  }
  addRoute(route: WinRoute): void {
    this.calls.push(`addRoute ${this.rkey(route)}`);
    this.maybeFail('addRoute');
    this.routes.add(this.rkey(route));
  }
  deleteRoute(route: WinRoute): void {
    this.calls.push(`deleteRoute ${this.rkey(route)}`);
    this.maybeFail('deleteRoute');
    this.routes.delete(this.rkey(route));
  }
  bestRoute(
    family: Family,
    address: string,
    excludeIfindex: number,
    ignore?: { ifindex: number; nextHop: string },
  ) {
    this.calls.push(
      `bestRoute v${family} ${address} not-if${excludeIfindex}` +
        (ignore ? ` past-if${ignore.ifindex}-via-${ignore.nextHop}` : ''),
    );
    return this.best;
  }
  setDnsSettings(ifindex: number, servers: string[], search: string[]): boolean {
    this.calls.push(`setDnsSettings ${ifindex} [${servers.join(',')}] [${search.join(',')}]`);
    this.maybeFail('setDnsSettings');
    if (!this.dnsApi) return false;
    if (servers.length === 0) this.dns.delete(ifindex);
    else this.dns.set(ifindex, servers.join(','));
    return true;
  }
  setDnsRegistry(ifindex: number, family: Family, servers: string[], search: string[]) {
    this.calls.push(
      `setDnsRegistry ${ifindex} v${family} [${servers.join(',')}] [${search.join(',')}]`,
    );
    this.maybeFail('setDnsRegistry');
    const key = `${ifindex} v${family}`;
    const previous = this.registry.get(key) ?? { nameServer: '', searchList: '' };
    this.registry.set(key, { nameServer: servers.join(','), searchList: search.join(',') });
    return previous;
  }
  restoreDnsRegistry(ifindex: number, family: Family, backup: WinDnsRegistryBackup): void {
    this.calls.push(`restoreDnsRegistry ${ifindex} v${family} "${backup.nameServer}"`);
    this.maybeFail('restoreDnsRegistry');
    this.registry.set(`${ifindex} v${family}`, backup);
  }
  addNrptRule(name: string, namespace: string, servers: string[]): void {
    this.calls.push(`addNrptRule ${name} ${namespace} [${servers.join(',')}]`);
    this.maybeFail('addNrptRule');
    this.nrpt.add(name);
  }
  deleteNrptRule(name: string): void {
    this.calls.push(`deleteNrptRule ${name}`);
    this.maybeFail('deleteNrptRule');
    this.nrpt.delete(name);
  }
  installKillSwitch(spec: KillSwitchSpec): void {
    this.calls.push(
      `installKillSwitch tun-if${spec.tunnelIfindex} udp${spec.udpPort} lan=${spec.allowLan} endpoints=${spec.endpoints.map((e) => `${e.address}:${e.port}`).join(',')}`,
    );
    this.maybeFail('installKillSwitch');
    this.killSwitch = spec;
  }
  removeKillSwitch(): void {
    this.calls.push('removeKillSwitch');
    this.maybeFail('removeKillSwitch');
    this.killSwitch = null;
  }

  /** Nothing of ours left in the modelled system. */
  clean(): boolean {
    return (
      this.routes.size === 0 &&
      this.addresses.size === 0 &&
      this.nrpt.size === 0 &&
      this.killSwitch === null &&
      this.dns.size === 0
    );
  }
}
