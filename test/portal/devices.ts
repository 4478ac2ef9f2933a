// Devices and their tunnel addresses. Every change reaches the gateway before the caller
// answers the client, and changes run one at a time so two registrations can never be
// given the same address.
import { randomBytes } from 'node:crypto';
import type { Gateway } from './gateway.js';
import type { Pool } from './pool.js';

export interface DeviceRecord {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  createdAt: string;
  /** Single-host CIDRs, v4 first: ["10.200.0.5/32", "fd00:200::5/128"]. */
  addresses: string[];
}

export class KeyInUseError extends Error {}
export class PoolExhaustedError extends Error {}

export class DeviceStore {
  private readonly byId = new Map<string, DeviceRecord>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly gateway: Gateway,
    private readonly pool: Pool,
    private readonly pool6: Pool | undefined,
  ) {}

  // Serialises changes; a failed change does not block the ones after it.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  get(id: string): DeviceRecord | undefined {
    return this.byId.get(id);
  }

  list(): DeviceRecord[] {
    return [...this.byId.values()];
  }

  /** Idempotent per (user, key): the second call returns the first device unchanged. */
  register(
    userId: string,
    publicKey: string,
    name: string,
  ): Promise<{ device: DeviceRecord; created: boolean }> {
    return this.serial(async () => {
      const existing = this.list().find((d) => d.publicKey === publicKey);
      if (existing && existing.userId === userId) return { device: existing, created: false };
      if (existing) throw new KeyInUseError('This public key is registered to another account.');
      const addresses = await this.allocate();
      const device: DeviceRecord = {
        id: this.newId(),
        userId,
        name,
        publicKey,
        createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        addresses,
      };
      await this.gateway.addPeer(publicKey, addresses);
      this.byId.set(device.id, device);
      return { device, created: true };
    });
  }

  /** Removes the device and its peer; resolves to the removed record, or undefined if gone. */
  remove(id: string): Promise<DeviceRecord | undefined> {
    return this.serial(async () => {
      const device = this.byId.get(id);
      if (!device) return undefined;
      await this.gateway.removePeer(device.publicKey);
      this.byId.delete(id);
      return device;
    });
  }

  private newId(): string {
    for (;;) {
      const id = `d_${randomBytes(3).toString('hex')}`;
      if (!this.byId.has(id)) return id;
    }
  }

  // The lowest host number free in both pools, judged by what the gateway has right now.
  private async allocate(): Promise<string[]> {
    const used = await this.gateway.usedAddresses();
    for (const d of this.byId.values()) for (const a of d.addresses) used.add(a.split('/')[0]!);
    const last = this.pool6 && this.pool6.lastHost < this.pool.lastHost ? this.pool6 : this.pool;
    for (let n = 1n; n <= last.lastHost; n++) {
      const pools = this.pool6 ? [this.pool, this.pool6] : [this.pool];
      if (pools.some((p) => used.has(p.host(n)))) continue;
      return pools.map((p) => p.hostCidr(n));
    }
    throw new PoolExhaustedError('The address pool is exhausted.');
  }
}
