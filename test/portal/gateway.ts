// The WireGuard gateway this portal runs next to: it shares the portal's network namespace,
// so peers are added and removed with the stock `wg` tool on the local interface.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class Gateway {
  constructor(readonly iface: string) {}

  private async wg(args: string[]): Promise<string> {
    try {
      return (await run('wg', args, { timeout: 10_000 })).stdout;
    } catch (e) {
      // execFile's message carries the command line (public keys only) and wg's stderr.
      const stderr = (e as { stderr?: string }).stderr?.trim();
      throw new Error(`wg ${args[0] ?? ''} on ${this.iface} failed${stderr ? `: ${stderr}` : ''}`);
    }
  }

  /** The gateway's public key, which devices put in their [Peer] section. */
  async publicKey(): Promise<string> {
    const key = (await this.wg(['show', this.iface, 'public-key'])).trim();
    if (!/^[A-Za-z0-9+/]{43}=$/.test(key)) throw new Error(`${this.iface} has no private key set`);
    return key;
  }

  async addPeer(publicKey: string, allowedIps: string[]): Promise<void> {
    await this.wg(['set', this.iface, 'peer', publicKey, 'allowed-ips', allowedIps.join(',')]);
  }

  async removePeer(publicKey: string): Promise<void> {
    await this.wg(['set', this.iface, 'peer', publicKey, 'remove']);
  }

  /**
   * Addresses the gateway already uses: its own interface addresses and every peer's
   * allowed IPs (also peers the portal did not add), so the pool never hands them out again
   * (WireGuard would silently move an allowed IP from one peer to another).
   */
  async usedAddresses(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const line of (await this.wg(['show', this.iface, 'allowed-ips'])).split('\n')) {
      for (const cidr of line.split(/\s+/).slice(1)) used.add(cidr.split('/')[0] ?? '');
    }
    const { stdout } = await run('ip', ['-j', 'addr', 'show', 'dev', this.iface]);
    const links = JSON.parse(stdout || '[]') as { addr_info?: { local?: string }[] }[];
    for (const a of links.flatMap((l) => l.addr_info ?? [])) if (a.local) used.add(a.local);
    used.delete('');
    return used;
  }
}
