/**
 * The one IPC contract of the desktop app: every command the renderer (or the
 * GUI, towards the helper) may send, every event it may receive, with payload
 * types and runtime validators defined once here. Main handlers, the preload
 * API and the renderer client are derived from these tables (see server.ts and
 * client.ts), so a channel cannot exist on one side only, and nothing crosses
 * a process boundary unvalidated.
 *
 * Private keys never appear here: profiles cross as summaries.
 */
import { z } from 'zod';

const Text = (max: number) => z.string().max(max);
const Count = z.number().int().nonnegative();

export const ProfileSummary = z.object({
  id: Text(64),
  name: Text(200),
  addresses: z.array(Text(64)).max(64),
  endpoints: z.array(Text(300)).max(64),
  peers: Count,
  fullTunnel: z.boolean(),
});
export type ProfileSummary = z.infer<typeof ProfileSummary>;

/** Where the tunnel is; the UI renders exactly this, so every state carries what it shows. */
export const TunnelState = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed-out') }),
  z.object({ status: z.literal('disconnected'), profileId: Text(64).nullable() }),
  z.object({ status: z.literal('connecting'), profileId: Text(64), sinceMs: Count }),
  z.object({
    status: z.literal('connected'),
    profileId: Text(64),
    endpoint: Text(300),
    addresses: z.array(Text(64)).max(64),
    lastHandshakeAgeMs: Count.nullable(),
    rxBytes: Count,
    txBytes: Count,
    rxBitsPerSecond: Count,
    txBitsPerSecond: Count,
  }),
  z.object({
    status: z.literal('reconnecting'),
    profileId: Text(64),
    attempt: Count,
    reason: Text(500),
  }),
  z.object({
    status: z.literal('error'),
    profileId: Text(64).nullable(),
    /** One human sentence, shown as is. */
    message: Text(500),
    retryable: z.boolean(),
  }),
]);
export type TunnelState = z.infer<typeof TunnelState>;

export const LogLevel = z.enum(['error', 'warn', 'info', 'debug', 'trace']);

export const Settings = z.object({
  startAtLogin: z.boolean(),
  logLevel: LogLevel,
  keepTunnelWhenWindowCloses: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

/** One line of a JSONL log as the viewer gets it: parsed, or raw and marked. */
export const LogLine = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    line: Count,
    time: Text(64),
    level: LogLevel,
    target: Text(200),
    message: Text(10_000),
    fields: z.record(z.string(), z.unknown()),
  }),
  z.object({ ok: z.literal(false), line: Count, raw: Text(100_000), problem: Text(200) }),
]);
export type LogLine = z.infer<typeof LogLine>;

export const ConfigProblem = z.object({ line: Count.nullable(), message: Text(500) });

const Empty = z.object({});

/** Commands: request and response payloads. Names are the channel names. */
export const commands = {
  getState: { request: Empty, response: TunnelState },
  connect: { request: z.object({ profileId: Text(64) }), response: Empty },
  disconnect: { request: Empty, response: Empty },
  listProfiles: { request: Empty, response: z.object({ profiles: z.array(ProfileSummary) }) },
  importProfile: {
    request: z.object({ fileName: Text(255), text: Text(1_000_000) }),
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), profile: ProfileSummary }),
      z.object({ ok: z.literal(false), problems: z.array(ConfigProblem).min(1) }),
    ]),
  },
  renameProfile: {
    request: z.object({ profileId: Text(64), name: Text(200).min(1) }),
    response: Empty,
  },
  removeProfile: { request: z.object({ profileId: Text(64) }), response: Empty },
  getSettings: { request: Empty, response: Settings },
  setSettings: { request: Settings.partial(), response: Settings },
  readLogs: {
    request: z.object({
      process: z.enum(['main', 'helper']),
      fromLine: Count,
      limit: z.number().int().min(1).max(10_000),
    }),
    response: z.object({ lines: z.array(LogLine), totalLines: Count }),
  },
  signIn: { request: z.object({ portalUrl: Text(2000).url() }), response: Empty },
  signOut: { request: Empty, response: Empty },
} as const;

/** Events pushed to the renderer. */
export const events = {
  state: TunnelState,
  logLines: z.object({ process: z.enum(['main', 'helper']), lines: z.array(LogLine) }),
} as const;

export type CommandName = keyof typeof commands;
export type EventName = keyof typeof events;
export type RequestOf<C extends CommandName> = z.infer<(typeof commands)[C]['request']>;
export type ResponseOf<C extends CommandName> = z.infer<(typeof commands)[C]['response']>;
export type EventOf<E extends EventName> = z.infer<(typeof events)[E]>;

/** Why a command failed, as it crosses the boundary (never an exception object). */
export const ErrorCode = z.enum([
  'invalid-request',
  'invalid-response',
  'unknown-command',
  'not-found',
  'busy',
  'failed',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const Envelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: ErrorCode, message: Text(500) }) }),
]);
export type Envelope = z.infer<typeof Envelope>;

/** Channel names as the transports use them. */
export const commandChannel = (name: CommandName) => `slipstream:command:${name}`;
export const eventChannel = (name: EventName) => `slipstream:event:${name}`;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}
