// RoomEvent: a PDU with its room version, event ID and room ID worked out once, for every layer above.
import { InvalidJsonError } from './errors';
import { computeEventId, roomIdFromCreateEvent } from './hashes';
import { JsonObject } from './json';
import { Pdu, referencedIds, validatePdu } from './pdu';
import { getRoomVersion, RoomVersion } from './room-versions';

export interface RoomEvent {
  readonly eventId: string;
  readonly roomId: string;
  readonly roomVersion: RoomVersion;
  readonly type: string;
  /** undefined for non-state events. */
  readonly stateKey: string | undefined;
  readonly sender: string;
  readonly depth: number;
  readonly originServerTs: number;
  readonly prevEventIds: readonly string[];
  readonly authEventIds: readonly string[];
  readonly content: JsonObject;
  /** The redacted event ID for m.room.redaction: top-level before v11, in content from v11. */
  readonly redacts: string | undefined;
  /** The wire form, as signed. Treat as read-only. */
  readonly pdu: Pdu;
}

export interface ToRoomEventOptions {
  /** Validate the PDU's shape and size first (default true). */
  validate?: boolean;
  /** A precomputed event ID (skips hashing; the caller vouches for it). */
  eventId?: string;
}

/** Builds the RoomEvent view of a PDU, validating it unless told otherwise. */
export function toRoomEvent(pdu: Pdu, roomVersion: string | RoomVersion, options: ToRoomEventOptions = {}): RoomEvent {
  const rv = getRoomVersion(roomVersion);
  if (options.validate !== false) validatePdu(pdu, rv);
  const eventId = options.eventId ?? computeEventId(pdu, rv);
  const isCreate = pdu.type === 'm.room.create' && pdu.state_key === '';
  let roomId: string;
  if (rv.roomIdFromCreateEvent && isCreate) roomId = roomIdFromCreateEvent(pdu, rv);
  else if (typeof pdu.room_id === 'string') roomId = pdu.room_id;
  else throw new InvalidJsonError('room_id', 'missing room_id');
  let redacts: string | undefined;
  if (pdu.type === 'm.room.redaction') {
    const raw = rv.redactsInContent ? pdu.content.redacts : pdu.redacts;
    redacts = typeof raw === 'string' ? raw : undefined;
  }
  return Object.freeze({
    eventId,
    roomId,
    roomVersion: rv,
    type: pdu.type,
    stateKey: typeof pdu.state_key === 'string' ? pdu.state_key : undefined,
    sender: pdu.sender,
    depth: pdu.depth,
    originServerTs: pdu.origin_server_ts,
    prevEventIds: Object.freeze(referencedIds(pdu.prev_events)),
    authEventIds: Object.freeze(referencedIds(pdu.auth_events)),
    content: pdu.content,
    redacts,
    pdu,
  });
}
