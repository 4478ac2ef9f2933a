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

/**
 * A profile's own connection settings, kept with it by the helper (which acts on them
 * when connecting). `killSwitch` null is the default: on for a full tunnel (AllowedIPs
 * with 0.0.0.0/0 or ::/0), off otherwise; true/false is the user's explicit choice.
 * `allowLan` lets the local network through while the kill switch blocks the rest.
 */
export const ProfileSettings = z.object({
  killSwitch: z.boolean().nullable(),
  allowLan: z.boolean(),
});
export type ProfileSettings = z.infer<typeof ProfileSettings>;
export const DEFAULT_PROFILE_SETTINGS: ProfileSettings = { killSwitch: null, allowLan: false };

export const ProfileSummary = z.object({
  id: Text(64),
  name: Text(200),
  addresses: z.array(Text(64)).max(64),
  endpoints: z.array(Text(300)).max(64),
  peers: Count,
  fullTunnel: z.boolean(),
  /** The helper always sends them; absent means DEFAULT_PROFILE_SETTINGS. */
  settings: ProfileSettings.optional(),
});
export type ProfileSummary = z.infer<typeof ProfileSummary>;

/** Where the tunnel is; the UI renders exactly this, so every state carries what it shows. */
export const TunnelState = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed-out') }),
  z.object({
    status: z.literal('disconnected'),
    profileId: Text(64).nullable(),
    /**
     * Present when a kill switch still blocks traffic outside the tunnel although no
     * tunnel runs: an earlier run of the service (or the CLI) was stopped without a
     * Disconnect and its block stayed (fail closed). `reason` is one sentence for the UI;
     * Connect replaces the block with the tunnel's own, Disconnect lifts it.
     */
    blocked: z.object({ reason: Text(500) }).optional(),
  }),
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
    /** Until the next attempt (backoff doubling from 1 s up to 30 s; attempts never stop). */
    retryInMs: Count,
    /** The kill switch is on: traffic outside the tunnel is blocked meanwhile. */
    blocking: z.boolean(),
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

/**
 * The company-account sign-in (OpenID Connect through the organisation's
 * portal). Signed out is normal for people who import their own configs;
 * `message` says why a session ended (expired, device removed, sign-in failed).
 */
export const AccountState = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed-out'), message: Text(500).nullable() }),
  z.object({
    status: z.literal('signing-in'),
    portalUrl: Text(2000),
    /**
     * The provider's sign-in page, once known: opened in the system browser,
     * and shown as a link in case no browser opened (or in the web harness).
     */
    authorizationUrl: Text(8000).nullable(),
  }),
  z.object({
    status: z.literal('signed-in'),
    portalUrl: Text(2000),
    /** Who, as the identity provider names them. */
    user: Text(200),
    device: Text(200),
    /** The profile made from the portal's tunnel config. */
    profileId: Text(64).nullable(),
    /** Something the user should know, e.g. that no keyring keeps the sign-in across restarts. */
    notice: Text(500).nullable(),
    /**
     * When the sign-in ends unless it is renewed (ms since the epoch), where the identity
     * provider says (a refresh-token lifetime); absent or null = not known. Each renewal
     * moves it; it comes near only when renewals fail (offline) or a maximum is reached.
     */
    expiresAt: z.number().int().nonnegative().nullable().optional(),
  }),
]);
export type AccountState = z.infer<typeof AccountState>;

export const LogLevel = z.enum(['error', 'warn', 'info', 'debug', 'trace']);

export const Settings = z.object({
  startAtLogin: z.boolean(),
  logLevel: LogLevel,
  keepTunnelWhenWindowCloses: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

/**
 * Settings the helper keeps (root-owned, in its state directory), because it
 * acts on them without the GUI: with `connectAtStartup` the helper brings the
 * last profile the user connected back up whenever it starts (at boot, as a
 * service).
 */
export const HelperSettings = z.object({ connectAtStartup: z.boolean() });
export type HelperSettings = z.infer<typeof HelperSettings>;

/** Which process wrote a log. */
export const LogProcess = z.enum(['main', 'helper']);
export type LogProcess = z.infer<typeof LogProcess>;

/** What the viewer reads: one process's log, or both interleaved by time. */
export const LogSource = z.enum(['main', 'helper', 'both']);
export type LogSource = z.infer<typeof LogSource>;

/**
 * One line of a JSONL log as the viewer gets it: parsed, or raw and marked.
 * A log is its file and the files rotated out of it (`main.jsonl.1` …), so a
 * line says which file it is in (`file`, the name in the log folder) and where
 * (`line`, 0-based in that file). A malformed line has no time of its own; it
 * belongs with the line before it, whose time is `lastTime` (null when no
 * earlier line has one): that is where time searches and the interleaving of
 * two logs put it.
 */
export const LogLine = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    process: LogProcess,
    file: Text(255),
    line: Count,
    time: Text(64),
    level: LogLevel,
    target: Text(200),
    message: Text(10_000),
    fields: z.record(z.string(), z.unknown()),
  }),
  z.object({
    ok: z.literal(false),
    process: LogProcess,
    file: Text(255),
    line: Count,
    raw: Text(100_000),
    problem: Text(200),
    lastTime: Text(64).nullable(),
  }),
]);
export type LogLine = z.infer<typeof LogLine>;

export const ConfigProblem = z.object({ line: Count.nullable(), message: Text(500) });

/**
 * What the log viewer shows: lines at or above `minLevel` (malformed lines are
 * always kept, marked) that contain `text` (case-insensitive, anywhere in the
 * raw line). The filtering runs where the file is, so a million-line log never
 * crosses the boundary; the viewer pages through the matching lines.
 */
export const LogFilter = z.object({
  minLevel: LogLevel,
  text: Text(200),
});
export type LogFilter = z.infer<typeof LogFilter>;

/** A client's name for one search (random, e.g. a UUID): readLogs, countLogs and cancelLogSearch share it. */
export const SearchId = z.string().min(8).max(64);

export const AppInfo = z.object({
  version: Text(64),
  platform: Text(32),
  /** Where main's and the helper's JSONL logs are. */
  logDirectory: Text(4096),
  /** 'electron' in the desktop app, 'web' in the `npm run web` harness. */
  shell: z.enum(['electron', 'web']),
});
export type AppInfo = z.infer<typeof AppInfo>;

const Empty = z.object({});

/** Commands: request and response payloads. Names are the channel names. */
export const commands = {
  getAppInfo: { request: Empty, response: AppInfo },
  getState: { request: Empty, response: TunnelState },
  connect: { request: z.object({ profileId: Text(64) }), response: Empty },
  disconnect: { request: Empty, response: Empty },
  /** Leaves the error state for `disconnected` (the error's "dismiss" button). */
  dismissError: { request: Empty, response: Empty },
  listProfiles: { request: Empty, response: z.object({ profiles: z.array(ProfileSummary) }) },
  importProfile: {
    // The helper stores at most 256 KiB of UTF-8 per profile (and says so); this bounds the message.
    request: z.object({ fileName: Text(255), text: Text(262_144) }),
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
  /** Changes a profile's own settings (only those given); the next connect uses them. */
  setProfileSettings: {
    request: z.object({ profileId: Text(64), settings: ProfileSettings.partial().strict() }),
    response: ProfileSummary,
  },
  getSettings: { request: Empty, response: Settings },
  setSettings: { request: Settings.partial(), response: Settings },
  getHelperSettings: { request: Empty, response: HelperSettings },
  setHelperSettings: { request: HelperSettings.partial().strict(), response: HelperSettings },
  /**
   * A page of the lines matching `filter`, oldest first: `offset` counts matching
   * lines, not file lines. The answer may hold fewer lines than `limit` even
   * before the end (it is bounded in bytes, see app/log/page-budget.ts); the
   * next page starts where it stopped. `generation` changes when earlier
   * answers' offsets no longer hold (a rotation, a truncation): re-read then.
   */
  readLogs: {
    request: z.object({
      source: LogSource,
      filter: LogFilter,
      offset: Count,
      limit: z.number().int().min(1).max(10_000),
      /**
       * Answer as soon as this page's lines are found instead of after counting
       * every match (a search's first rows, before the whole log is read). The
       * answer then says `counted: false` and `matching` is only the matches
       * found so far; countLogs gives the count. 'both' always counts.
       */
      partial: z.boolean().optional(),
      /** Names the search this read belongs to, so cancelLogSearch can stop it. */
      search: SearchId.optional(),
    }),
    response: z.object({
      lines: z.array(LogLine),
      totalLines: Count,
      /** All matching lines when `counted`; otherwise those found so far (a lower bound). */
      matching: Count,
      counted: z.boolean(),
      generation: Text(200),
    }),
  },
  /** How many lines match `filter`: the count a partial readLogs left open. */
  countLogs: {
    request: z.object({ source: LogSource, filter: LogFilter, search: SearchId }),
    response: z.object({ matching: Count, totalLines: Count, generation: Text(200) }),
  },
  /**
   * Stops the reads and counts of a search the user has moved on from (they
   * fail with 'cancelled'), and refuses any that arrive later.
   */
  cancelLogSearch: { request: z.object({ search: SearchId }), response: Empty },
  /** Offset (among matching lines) of the first line at or after `time` (RFC 3339). */
  findLogTime: {
    request: z.object({ source: LogSource, filter: LogFilter, time: Text(64) }),
    response: z.object({ offset: Count }),
  },
  /** Writes a zip of all logs (rotated ones too) for support; returns where. */
  exportLogs: { request: Empty, response: z.object({ path: Text(4096) }) },
  /** Opens the log folder in the file manager where there is one; returns it. */
  openLogFolder: { request: Empty, response: z.object({ path: Text(4096) }) },
  getAccount: { request: Empty, response: AccountState },
  /** Starts signing in (the system browser opens); progress and the outcome come as `account` events. */
  signIn: { request: z.object({ portalUrl: Text(2000).url() }), response: Empty },
  cancelSignIn: { request: Empty, response: Empty },
  /** Revokes the session, removes the device from the portal and wipes what was stored. */
  signOut: { request: Empty, response: Empty },
} as const;

/** Events pushed to the renderer. */
export const events = {
  /** On every change, and every second while connected (rates, counters). */
  state: TunnelState,
  /** A log file grew (or was rotated); a following viewer re-reads its tail. */
  logGrowth: z.object({ process: LogProcess, totalLines: Count }),
  account: AccountState,
  /** The profile list changed (an import, a rename, a sign-in that made a profile). */
  profiles: z.object({ profiles: z.array(ProfileSummary) }),
} as const;

/**
 * The commands the privileged helper answers (it owns the tunnel, the profiles
 * with their keys, and its own log). The GUI answers the rest itself and
 * forwards these over the helper socket.
 */
export const helperCommandNames = [
  'getState',
  'connect',
  'disconnect',
  'dismissError',
  'listProfiles',
  'importProfile',
  'renameProfile',
  'removeProfile',
  'setProfileSettings',
  'readLogs',
  'countLogs',
  'cancelLogSearch',
  'findLogTime',
  'getHelperSettings',
  'setHelperSettings',
] as const satisfies readonly (keyof typeof commands)[];
export type HelperCommandName = (typeof helperCommandNames)[number];

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
  /** The work was stopped by cancelLogSearch (the user moved on); nothing to show. */
  'cancelled',
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
