// What the room service needs from federation to join or leave a room it holds no state for
// (server-server API "Joining Rooms", "Leaving Rooms (Rejecting Invites)"), injected from above so
// that rooms/ stays below federation/; and the narrow room surface the handshakes store through.
import type { JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';
import type { StateMap } from '../state/state-map';
import type { IngestOutcome } from './ingest-pipeline';

export interface RemoteJoinResult {
  roomId: string;
  /** Our join event as the room now holds it. */
  event: RoomEvent;
  outcome: IngestOutcome;
  /** The resident server that answered. */
  via: string;
}

export interface RemoteLeaveResult {
  roomId: string;
  /** Our leave, kept as an outlier. */
  event: RoomEvent;
  via: string;
}

export interface RemoteMembership {
  /**
   * Joins `userId` (one of ours) through the first of `servers` that completes make_join/send_join;
   * `content` is added to the template's (the resident's keys win). None answering: 404 M_NOT_FOUND.
   */
  join(roomId: string, userId: string, servers: readonly string[], content: JsonObject): Promise<RemoteJoinResult>;
  /** Leaves (rejects an invite) through the first of `servers` that completes make_leave/send_leave. */
  leave(roomId: string, userId: string, servers: readonly string[], content: JsonObject): Promise<RemoteLeaveResult>;
}

/** How the handshakes store what they learn: only through the room service (the one way in). */
export interface MembershipIngest {
  ingestOutliers(events: RoomEvent[]): Map<string, string>;
  ingestRemoteEvent(event: RoomEvent, extraStateSets?: StateMap[]): Promise<IngestOutcome>;
  storeOutlierMembership(event: RoomEvent): void;
}
