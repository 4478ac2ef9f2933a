/**
 * Client of the portal's provisioning API (PROVISIONING-API.md §3): register,
 * read and remove this device. Status codes become typed errors the session
 * acts on (401: refresh or sign in again, 403: not allowed, 404: removed);
 * responses are validated before anything uses them.
 */
import {
  DeviceRemovedError,
  ForbiddenError,
  InvalidTokenError,
  PortalResponseError,
  PortalUnreachableError,
} from './errors.js';
import { DeviceSchema, type Device } from './device-schema.js';
import { describeNetworkError, httpsBaseUrl, REQUEST_TIMEOUT_MS, type FetchLike } from './http.js';

export interface ProvisioningOptions {
  fetch?: FetchLike;
  timeoutMs?: number;
}

export class ProvisioningApi {
  readonly api: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(api: string, options: ProvisioningOptions = {}) {
    this.api = httpsBaseUrl(api, 'The portal API');
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** POST /devices: idempotent for the same user and key (200 or 201). */
  async registerDevice(accessToken: string, publicKey: string, name: string): Promise<Device> {
    const response = await this.request('POST', '/devices', accessToken, { publicKey, name });
    if (response.status !== 200 && response.status !== 201) throw await this.failure(response);
    return this.device(response);
  }

  async getDevice(accessToken: string, id: string): Promise<Device> {
    const response = await this.request('GET', this.devicePath(id), accessToken);
    if (response.status !== 200) throw await this.failure(response);
    return this.device(response);
  }

  /** DELETE /devices/{id}: 204, also when the device is already gone. */
  async deleteDevice(accessToken: string, id: string): Promise<void> {
    const response = await this.request('DELETE', this.devicePath(id), accessToken);
    await response.body?.cancel();
    // A 404 means the same as 204 here: the device is not on the portal.
    if (response.status === 204 || response.status === 200 || response.status === 404) return;
    throw await this.failure(response);
  }

  private devicePath(id: string): string {
    return `/devices/${encodeURIComponent(id)}`;
  }

  private async request(
    method: string,
    path: string,
    accessToken: string,
    body?: unknown,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetch(`${this.api}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new PortalUnreachableError(
        `Cannot reach the portal at ${new URL(this.api).origin} (${describeNetworkError(err)}).`,
      );
    }
  }

  private async device(response: Response): Promise<Device> {
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw this.malformed();
    }
    const parsed = DeviceSchema.safeParse(json);
    if (!parsed.success) throw this.malformed(parsed.error.issues[0]?.path.join('.'));
    return parsed.data;
  }

  private malformed(field?: string): PortalResponseError {
    const where = field ? ` (at "${field}")` : '';
    return new PortalResponseError(
      `The portal at ${new URL(this.api).origin} sent a device description this client cannot use${where}.`,
    );
  }

  /** Maps an error status to its typed error; the body's `message` is not needed for that. */
  private async failure(response: Response): Promise<Error> {
    let code = '';
    try {
      const body = (await response.json()) as { error?: unknown };
      if (typeof body.error === 'string') code = body.error.slice(0, 64);
    } catch {
      // No JSON body: the status alone decides.
    }
    switch (response.status) {
      case 401:
        return new InvalidTokenError();
      case 403:
        return new ForbiddenError();
      case 404:
        return new DeviceRemovedError();
      default: {
        const shown = /^[a-z_]+$/.test(code) ? `, ${code}` : '';
        return new PortalResponseError(
          `The portal at ${new URL(this.api).origin} refused the request (HTTP ${response.status}${shown}).`,
        );
      }
    }
  }
}
