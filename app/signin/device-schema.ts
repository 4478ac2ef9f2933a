/**
 * The portal's Device object (PROVISIONING-API.md §3). Its tunnel settings are
 * written into wg-quick text, so every string is held to the characters its
 * field can contain: a newline, "#" or "," smuggled into a value could
 * otherwise add lines or list entries to the configuration. The wg-quick
 * parser then checks the values themselves (addresses, ports, keys).
 */
import { z } from 'zod';
import { decodeBase64Key } from '../config/base64-key.js';

/** One list entry or scalar: printable ASCII without spaces, "#", "," or "=". */
const TOKEN = /^[\x21-\x7e]+$/;
const token = z
  .string()
  .min(1)
  .max(255)
  .regex(TOKEN)
  .refine((s) => !/[#,=]/.test(s), 'must not contain "#", "," or "="');
/** A WireGuard key as wg(8) prints it, checked exactly as config files are (app/config). */
export const wireGuardKey = z
  .string()
  .refine((s) => decodeBase64Key(s) !== null, 'must be a base64 WireGuard key');
const key = wireGuardKey;

export const DevicePeerSchema = z.object({
  publicKey: key,
  endpoint: token.optional(),
  allowedIps: z.array(token).max(1024),
  persistentKeepalive: z.number().int().min(0).max(65535).optional(),
});

export const DeviceTunnelSchema = z.object({
  addresses: z.array(token).min(1).max(64),
  dns: z.array(token).max(64).default([]),
  mtu: z.number().int().min(576).max(65535).optional(),
  peers: z.array(DevicePeerSchema).min(1).max(256),
});

export const DeviceSchema = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(200),
  publicKey: key,
  createdAt: z.string().optional(),
  tunnel: DeviceTunnelSchema,
});

export type DevicePeer = z.infer<typeof DevicePeerSchema>;
export type DeviceTunnel = z.infer<typeof DeviceTunnelSchema>;
export type Device = z.infer<typeof DeviceSchema>;
