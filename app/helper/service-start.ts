/**
 * What the Windows service makes of its start arguments. The service runs as
 * SYSTEM and any interactive user may start it with arguments of their
 * choosing (installer.nsh grants IU start), so the arguments choose only whom
 * to serve: `--user-sid SID`, a user account's SID (isUserAccountSid; a group
 * such as Everyone would open the pipe to all its members). Everything else
 * is fixed here: the pipe follows from the SID, and the profiles and logs
 * live under %ProgramData%\Slipstream\<SID>\. Pure, so it is tested anywhere;
 * service-main.ts does the Win32 side.
 */
import path from 'node:path';
import type { HelperArgs } from './args.js';
import { isUserAccountSid, pipePathForSid } from './windows-pipe.js';

/** Why service-main.ts refuses to run as an Electron app (its Environment value missing). */
export const REFUSE_FULL_ELECTRON =
  'the helper service must run as Node (ELECTRON_RUN_AS_NODE=1 in the service environment), not as an Electron app';

/** Exit codes the service reports to the SCM (as service-specific errors). */
export const SERVICE_EXIT = {
  ok: 0,
  /** The helper failed to start or stopped on an error. */
  failed: 1,
  /** The start arguments did not name a user to serve. */
  badArguments: 2,
} as const;

export interface ServiceStart {
  args: Extract<HelperArgs, { userSid: string }>;
  /** The directories to create and secure before the helper starts, outermost first. */
  directories: string[];
  /** Start arguments other than --user-sid, which were not taken (to be logged). */
  ignored: string[];
}

/**
 * Only SYSTEM and Administrators, inherited by everything inside and nothing
 * inherited from %ProgramData% (whose ACL lets every user read, and create
 * files in, what it holds). The served user needs no access of their own:
 * profiles and logs reach them over the pipe.
 */
export const SERVICE_DIRECTORY_SDDL = 'D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';

/** %ProgramData%\Slipstream: the service's own data, per served user below it. */
export function serviceDataRoot(env: Readonly<Record<string, string | undefined>>): string {
  // The SCM gives a service the system environment, not the starting user's.
  const programData = env.ProgramData || env.ALLUSERSPROFILE || 'C:\\ProgramData';
  return path.win32.join(programData, 'Slipstream');
}

/** Throws with a message for the log when the arguments name nobody to serve. */
export function serviceStart(startArgs: readonly string[], dataRoot: string): ServiceStart {
  let userSid: string | null = null;
  const ignored: string[] = [];
  for (let i = 0; i < startArgs.length; i++) {
    const arg = startArgs[i]!;
    if (arg !== '--user-sid') {
      ignored.push(arg);
      continue;
    }
    const value = startArgs[i + 1];
    if (value === undefined) throw new Error('--user-sid needs a value');
    // Two could disagree; taking either would be a guess.
    if (userSid !== null) throw new Error('--user-sid given more than once');
    if (!isUserAccountSid(value)) {
      throw new Error(`--user-sid: not the SID of a user account: ${JSON.stringify(value)}`);
    }
    userSid = value;
    i++;
  }
  if (userSid === null) {
    throw new Error('missing --user-sid: the service serves the user whose SID starts it');
  }
  return { ...userStart(userSid, dataRoot), ignored };
}

/**
 * What serving one user takes: their pipe and their directories under the data
 * root, from nothing but their SID (checked here too: it is pasted into paths and
 * SDDL). The service's first user comes from its start arguments, every other from
 * the front door (served-users.ts).
 */
export function userStart(userSid: string, dataRoot: string): Omit<ServiceStart, 'ignored'> {
  if (!isUserAccountSid(userSid)) {
    throw new Error(`not the SID of a user account: ${JSON.stringify(userSid)}`);
  }
  const userDir = path.win32.join(dataRoot, userSid);
  const stateDir = path.win32.join(userDir, 'profiles');
  const logDir = path.win32.join(userDir, 'logs');
  return {
    args: {
      socket: pipePathForSid(userSid),
      userSid,
      stateDir,
      logDir,
      ifname: null,
      logLevel: 'info',
    },
    directories: [dataRoot, userDir, stateDir, logDir],
  };
}
