/**
 * Decides which `ip -o monitor link address route` lines are a change of the
 * network under the tunnel: a link going up or down, an address appearing or
 * going, a default route changing. Everything about the tunnel's own
 * interface is ignored (configuring it is not a change of the path to the
 * server), as are repeats the kernel sends without a change (an IPv6
 * address's lifetimes refreshed by each router advertisement, a link message
 * with the same flags) and routes other than default routes.
 */
const LINK = /^(Deleted )?(\d+): ([^\s:@]+)(?:@\S+)?: <([^>]*)>/;
const STATE = / state (\S+)/;
const ADDRESS = /^(Deleted )?(\d+): (\S+)\s+(inet6?) (\S+)/;

export class NetlinkChangeFilter {
  private readonly links = new Map<string, string>();
  private readonly addresses = new Set<string>();

  constructor(private readonly ownInterface: string) {}

  /** A short description of the change, or null when the line is not one. */
  classify(line: string): string | null {
    const link = LINK.exec(line);
    if (link) {
      const [, deleted, index, name, flags] = link;
      const state = STATE.exec(line)?.[1];
      if (name === this.ownInterface) return null;
      const key = index!;
      if (deleted) {
        this.links.delete(key);
        return `link ${name} removed`;
      }
      const now = `${flags}|${state ?? ''}`;
      if (this.links.get(key) === now) return null;
      this.links.set(key, now);
      return `link ${name} ${state ?? 'changed'}`;
    }
    const address = ADDRESS.exec(line);
    if (address) {
      const [, deleted, index, name, , cidr] = address;
      if (name === this.ownInterface) return null;
      const key = `${index}|${cidr}`;
      if (deleted) {
        this.addresses.delete(key);
        return `address ${cidr} removed from ${name}`;
      }
      if (this.addresses.has(key)) return null;
      this.addresses.add(key);
      return `address ${cidr} added on ${name}`;
    }
    const words = line.trim().split(/\s+/);
    const deleted = words[0] === 'Deleted';
    const route = deleted ? words.slice(1) : words;
    if (route[0] !== 'default' && route[0] !== '0.0.0.0/0' && route[0] !== '::/0') return null;
    const dev = route.indexOf('dev');
    if (dev !== -1 && route[dev + 1] === this.ownInterface) return null;
    return `default route ${deleted ? 'removed' : 'changed'}`;
  }
}
