/**
 * The helper's control channel on Windows, as far as it is plain data: the
 * pipe's name for a served user, the access control it gets, and the rule by
 * which the GUI trusts whoever serves it. Shared by the helper
 * (named-pipe-endpoint.ts) and the GUI (app/main/helper-transport.ts); the
 * Win32 calls themselves are in the addon (native/src/windows/pipe_security.cc).
 */

/** The helper service's name with the Service Control Manager (installer.nsh). */
export const HELPER_SERVICE_NAME = 'SlipstreamHelper';

/** LocalSystem, which the service runs as. */
export const LOCAL_SYSTEM_SID = 'S-1-5-18';
/** BUILTIN\Administrators. */
export const ADMINISTRATORS_SID = 'S-1-5-32-544';

/**
 * Any SID in string form. This is what keeps a SID from smuggling ACEs into
 * the SDDL it is pasted into: no parentheses, semicolons or letters but the
 * leading S. At most 15 sub-authorities, as Windows allows.
 */
const SID = /^S-1-\d{1,15}(-\d{1,10}){1,15}$/;

/**
 * The SID of a user account, which is all the helper may be asked to serve:
 * local and domain accounts (S-1-5-21-…) and Entra ID accounts (S-1-12-1-…),
 * each with three authority values and a RID. Groups and well-known SIDs
 * (Everyone S-1-1-0, Users S-1-5-32-545, INTERACTIVE S-1-5-4) would open the
 * pipe to everybody in them, and any interactive user may start the service
 * with an argument of their choosing.
 */
const USER_ACCOUNT_SID = /^S-1-(5-21|12-1)(-\d{1,10}){4}$/;

export function isSid(value: string): boolean {
  return (
    SID.test(value) &&
    value
      .split('-')
      .slice(3)
      .every((n) => Number(n) <= 0xffff_ffff)
  );
}

export function isUserAccountSid(value: string): boolean {
  return isSid(value) && USER_ACCOUNT_SID.test(value);
}

function requireUserSid(sid: string): string {
  if (!isUserAccountSid(sid))
    throw new Error(`not the SID of a user account: ${JSON.stringify(sid)}`);
  return sid;
}

/** One pipe per served user, so that two users' helpers (or GUIs) never meet. */
export function pipeNameForSid(sid: string): string {
  return `slipstream-helper-${requireUserSid(sid)}`;
}

export function pipePathForSid(sid: string): string {
  return `\\\\.\\pipe\\${pipeNameForSid(sid)}`;
}

/**
 * FILE_GENERIC_READ | FILE_GENERIC_WRITE for the served user. The write half
 * includes FILE_APPEND_DATA, which for a pipe is FILE_CREATE_PIPE_INSTANCE,
 * and withholding it is not possible: libuv's client (net.createConnection)
 * opens the pipe with GENERIC_READ | GENERIC_WRITE, which maps to that bit,
 * and without it falls back to a read-only connection that cannot send a
 * request. The user could thus add server instances of their own; that only
 * lets them fool their own GUI, which their own processes can do anyway, and
 * the GUI checks the serving process id against the service's before it
 * connects (pipeServerTrusted).
 */
const SERVED_USER_ACCESS = '0x12019f';

/**
 * The pipe's security descriptor: owned by SYSTEM; NETWORK logons refused
 * outright (libuv does not set PIPE_REJECT_REMOTE_CLIENTS, and the served
 * user's own network logon would otherwise match the allow entry); SYSTEM and
 * Administrators get full control (FA, FILE_ALL_ACCESS, spelled out rather
 * than GENERIC_ALL so nothing depends on generic mapping); the one served user
 * reads and writes; nobody else is listed, so nobody else gets in. P: nothing
 * is inherited.
 */
export function pipeSddl(userSid: string): string {
  const sid = requireUserSid(userSid);
  return `O:SYD:P(D;;FA;;;NU)(A;;FA;;;SY)(A;;FA;;;BA)(A;;${SERVED_USER_ACCESS};;;${sid})`;
}

/** What the addon's inspectPipeServer reports about whoever serves a pipe. */
export interface PipeServerInfo {
  pid: number;
  /** Owner of the pipe object, as its creator's security descriptor set it (pipeSddl). */
  ownerSid: string;
  /** User of the serving process, when this process may read it (an elevated one may). */
  processSid: string | null;
}

export type PipeTrust = { trusted: true } | { trusted: false; reason: string };

/**
 * Whether the GUI may talk to the pipe's server. The owner must be SYSTEM or
 * Administrators: the analogue of the Linux check that root owns the socket's
 * directory, and what a standard user cannot forge, since Windows lets a
 * process make an object's owner only a SID its own token may own. When the
 * SCM reports the service's process id, the server must be that very
 * process; and when the serving process's user could be read, it must be
 * LocalSystem.
 */
export function pipeServerTrusted(info: PipeServerInfo, servicePid: number | null): PipeTrust {
  if (info.ownerSid !== LOCAL_SYSTEM_SID && info.ownerSid !== ADMINISTRATORS_SID) {
    return { trusted: false, reason: `the pipe belongs to ${info.ownerSid}, not to the system` };
  }
  if (servicePid !== null && servicePid > 0 && info.pid !== servicePid) {
    return {
      trusted: false,
      reason: `the pipe is served by process ${info.pid}, not by the service (${servicePid})`,
    };
  }
  if (info.processSid !== null && info.processSid !== LOCAL_SYSTEM_SID) {
    return {
      trusted: false,
      reason: `the pipe is served by ${info.processSid}, not by the system`,
    };
  }
  return { trusted: true };
}
