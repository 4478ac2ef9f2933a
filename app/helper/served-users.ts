/**
 * Whom the Windows service serves, as plain data (tested anywhere; the service
 * itself is service-main.ts). One service process serves every signed-in user
 * who asks, each through a helper of their own: their own pipe
 * (pipePathForSid, whose DACL admits only them), their own profiles, logs and
 * startup settings under %ProgramData%\Slipstream\<SID>\ (userStart). A user
 * asks by starting the service with their SID, or, when it runs already, by
 * connecting to the front door: a pipe every interactive user may open, on
 * which the service learns the caller's SID from Windows (impersonation), not
 * from anything the caller says, and answers with the pipe it now serves.
 *
 * Bounds: at most MAX_SERVED_USERS helpers at once (each holds a pipe, a log
 * and a profile store); one more is refused with a message, not queued. What
 * users share is the machine: one tunnel adapter (Wintun's fixed GUID), one
 * routing table, one kill switch. TunnelGate lets one user's tunnel up at a
 * time; another user's connect is refused while it is, and does not clean up
 * "leftovers" that are that user's live tunnel.
 */
import { isUserAccountSid, LOCAL_SYSTEM_SID, pipePathForSid } from './windows-pipe.js';

export const MAX_SERVED_USERS = 8;

/** The service's front door: where a user whose helper is not running yet asks for one. */
export const FRONT_DOOR_PIPE = '\\\\.\\pipe\\slipstream-helper';

/**
 * Owner SYSTEM; NETWORK logons denied; SYSTEM full control; interactive users
 * (IU: whoever is signed in at the console or over RDP) read and write
 * (0x12019f, as the per-user pipes give their user; see windows-pipe.ts). No
 * other entries: services, batch jobs and anonymous callers do not get in.
 */
export const FRONT_DOOR_SDDL = `O:SYD:P(D;;FA;;;NU)(A;;FA;;;${LOCAL_SYSTEM_SID})(A;;0x12019f;;;IU)`;

/** What the front door answers, one JSON line. */
export type FrontDoorAnswer = { pipe: string } | { error: string };

export type Admission =
  | { kind: 'new'; sid: string }
  | { kind: 'serving'; sid: string }
  | { kind: 'refused'; reason: string };

/** The set of served users and the bound on it; the caller runs the helpers. */
export class ServedUsers {
  private readonly served = new Set<string>();

  constructor(private readonly max = MAX_SERVED_USERS) {}

  /** Whether `sid` (as Windows reported it) is to be served; 'new' reserves a place. */
  admit(sid: string): Admission {
    if (!isUserAccountSid(sid)) {
      return { kind: 'refused', reason: `not the SID of a user account: ${JSON.stringify(sid)}` };
    }
    if (this.served.has(sid)) return { kind: 'serving', sid };
    if (this.served.size >= this.max) {
      return {
        kind: 'refused',
        reason: `the service already serves ${this.max} users; one of them must sign out first`,
      };
    }
    this.served.add(sid);
    return { kind: 'new', sid };
  }

  /** The user's helper stopped (or failed to start): their place is free again. */
  release(sid: string): void {
    this.served.delete(sid);
  }

  has(sid: string): boolean {
    return this.served.has(sid);
  }

  get size(): number {
    return this.served.size;
  }

  /** The pipes served now, one per user. */
  pipes(): string[] {
    return [...this.served].sort().map(pipePathForSid);
  }

  /**
   * Given who is signed in now (the session list), the users whose helpers may
   * stop: served, but in no session any more. Their tunnels go down with them.
   */
  signedOut(signedIn: Iterable<string>): string[] {
    const present = new Set(signedIn);
    return [...this.served].filter((sid) => !present.has(sid)).sort();
  }
}

export function frontDoorAnswer(admission: Admission): FrontDoorAnswer {
  return admission.kind === 'refused'
    ? { error: admission.reason }
    : { pipe: pipePathForSid(admission.sid) };
}

/** One tunnel on the machine at a time, held by the user who brought it up. */
export class TunnelGate {
  private owner: string | null = null;

  get holder(): string | null {
    return this.owner;
  }

  /** True when `sid` may bring a tunnel up (nobody holds the gate, or they do). */
  acquire(sid: string): boolean {
    if (this.owner !== null && this.owner !== sid) return false;
    this.owner = sid;
    return true;
  }

  release(sid: string): void {
    if (this.owner === sid) this.owner = null;
  }
}
