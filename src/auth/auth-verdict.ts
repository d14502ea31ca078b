// The verdict of the authorization rules, the options callers may pass, and the internal rejection signal.
import type { EventIdSet } from '../protocol/event-id-set';
import { RoomEvent } from '../protocol/room-event';

export type AuthVerdict = { allowed: true } | { allowed: false; reason: string };

export interface AuthOptions {
  /** IDs among the auth events that were rejected (an event citing a rejected auth event is rejected). */
  rejectedEventIds?: EventIdSet;
  /**
   * True if `event` carries a valid signature from `serverName` (restricted joins). When absent, the
   * rules only check that a signature entry from that server exists: the caller is expected to have
   * verified every signature already (server-server API, "Checks performed on receipt of a PDU", step 2).
   */
  isSignedBy?: (event: RoomEvent, serverName: string) => boolean;
}

export const ALLOW: AuthVerdict = Object.freeze({ allowed: true as const });

/** A rejection whose reason starts with the rule's name, e.g. `join: sender is banned`. */
export function reject(reason: string): AuthVerdict {
  return { allowed: false, reason };
}

/**
 * Thrown by readers deep inside the rules (a malformed power level, say) so that they need not thread
 * verdicts through every return value; the rule entry points turn it back into a rejection.
 */
export class AuthRejection extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AuthRejection';
  }
}

/** Runs `check`, turning an AuthRejection thrown inside into a rejected verdict. */
export function catchRejection(check: () => AuthVerdict): AuthVerdict {
  try {
    return check();
  } catch (error) {
    if (error instanceof AuthRejection) return reject(error.reason);
    throw error;
  }
}
