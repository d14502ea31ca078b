// Building our own events: prev_events from the forward-extremity table (the same selection MSC4370's
// /extremities serves), auth events chosen from the state before, then hashed and signed.
import { randomBytes } from 'node:crypto';
import { selectAuthEvents } from '../auth';
import { signEvent } from '../crypto/event-signing';
import { SigningKey } from '../crypto/signing-key-file';
import { MatrixError } from '../protocol/errors';
import { referenceHash } from '../protocol/hashes';
import { JsonObject } from '../protocol/json';
import { EventReference, MAX_DEPTH, Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { StateMap } from '../protocol/state-map';
import { Storage } from '../storage';
import { resolveWithStorage } from './stored-state';

export interface LocalEventFields {
  type: string;
  sender: string;
  content: JsonObject;
  stateKey?: string;
  /** For m.room.redaction. */
  redacts?: string;
}

export interface EventSigner {
  serverName: string;
  signingKey: () => SigningKey;
  now: () => number;
}

/** MSC4370 lets a caller copy our answer into an event; 20 is the PDU limit on prev_events. */
export const MAX_PREV_EVENTS_CAP = 20;

/**
 * The prev_events we would use for our next event in the room, and the /extremities answer: the
 * forward extremities, deepest first, then by event ID, at most `limit` (≤ 20). Never empty for a
 * room we hold events in.
 */
export function selectPrevEvents(storage: Storage, roomId: string, limit: number): Array<{ eventId: string; depth: number }> {
  return storage.getForwardExtremities(roomId, Math.min(Math.max(1, limit), MAX_PREV_EVENTS_CAP));
}

function explicitPrevs(storage: Storage, roomId: string, ids: readonly string[]): Array<{ eventId: string; depth: number }> {
  return ids.map((id) => {
    const stored = storage.getEvent(id);
    if (!stored || stored.outlier || stored.event.roomId !== roomId) throw new MatrixError(400, 'M_INVALID_PARAM', `${id} is not an event of ${roomId} with known state`);
    return { eventId: id, depth: stored.event.depth };
  });
}

function references(storage: Storage, rv: RoomVersion, ids: readonly string[]): EventReference[] {
  if (!rv.referencesAreHashPairs) return [...ids];
  return ids.map((id) => {
    const stored = storage.getEvent(id);
    if (!stored) throw new Error(`cannot reference ${id}: not stored`);
    return [id, { sha256: referenceHash(stored.event.pdu, rv) }];
  });
}

/** Signs a PDU skeleton as ours: v1/v2 get a server-assigned event ID, pre-v11 an `origin`. */
export function signLocalPdu(skeleton: Record<string, unknown>, rv: RoomVersion, signer: EventSigner): RoomEvent {
  const pdu = { ...skeleton };
  if (rv.eventIdFormat === 'server-assigned') pdu.event_id = `$${randomBytes(12).toString('base64url')}:${signer.serverName}`;
  if (rv.redaction !== 'v11') pdu.origin = signer.serverName;
  const key = signer.signingKey();
  return toRoomEvent(signEvent(pdu, rv, signer.serverName, key.keyId, key.seed) as unknown as Pdu, rv);
}

export interface EventTemplate {
  /** The unsigned event: everything but hashes, signatures, and (v1/v2) event_id and origin. */
  skeleton: Record<string, unknown>;
  roomVersion: RoomVersion;
  /** The state before the event, resolved across its prev events. */
  stateBefore: StateMap;
}

/**
 * Lays out an event on top of the room's current forward extremities: prev_events, depth, and auth
 * events chosen from the state before it. make_join/make_leave answer with this template unsigned.
 */
export async function buildEventTemplate(
  storage: Storage,
  roomId: string,
  fields: LocalEventFields,
  maxPrevEvents: number,
  now: number,
  /** Explicit parents (to build forks on purpose, e.g. in tests); default: the forward extremities. */
  prevEventIds?: readonly string[],
): Promise<EventTemplate> {
  const version = storage.roomVersionOf(roomId);
  if (version === undefined) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
  const rv = getRoomVersion(version);
  const prevs = prevEventIds === undefined ? selectPrevEvents(storage, roomId, maxPrevEvents) : explicitPrevs(storage, roomId, prevEventIds);
  if (prevs.length === 0) throw new MatrixError(403, 'M_FORBIDDEN', `No forward extremities for ${roomId}: we are not in the room`);
  const { state: stateBefore } = await resolveWithStorage(
    storage,
    rv,
    prevs.map((p) => storage.getStateAfter(p.eventId)),
  );
  const authIds = selectAuthEvents({ type: fields.type, sender: fields.sender, stateKey: fields.stateKey, content: fields.content }, stateBefore, rv);
  const skeleton: Record<string, unknown> = {
    room_id: roomId,
    type: fields.type,
    sender: fields.sender,
    content: { ...fields.content },
    prev_events: references(storage, rv, prevs.map((p) => p.eventId)),
    auth_events: references(storage, rv, authIds),
    depth: Math.min(Math.max(...prevs.map((p) => p.depth)) + 1, MAX_DEPTH),
    origin_server_ts: now,
  };
  if (fields.stateKey !== undefined) skeleton.state_key = fields.stateKey;
  if (fields.redacts !== undefined) {
    if (rv.redactsInContent) (skeleton.content as JsonObject).redacts = fields.redacts;
    else skeleton.redacts = fields.redacts;
  }
  return { skeleton, roomVersion: rv, stateBefore };
}

export interface BuiltEvent {
  event: RoomEvent;
  /** The state before the event, resolved across its prev events. */
  stateBefore: StateMap;
}

/** Builds and signs an event for an existing room on top of its current forward extremities. */
export async function buildLocalEvent(
  storage: Storage,
  signer: EventSigner,
  roomId: string,
  fields: LocalEventFields,
  maxPrevEvents: number,
  prevEventIds?: readonly string[],
): Promise<BuiltEvent> {
  const template = await buildEventTemplate(storage, roomId, fields, maxPrevEvents, signer.now(), prevEventIds);
  return { event: signLocalPdu(template.skeleton, template.roomVersion, signer), stateBefore: template.stateBefore };
}

/** The create event of a new room; up to v11 the room ID is ours to mint, in v12 it is the event's hash. */
export function buildCreateEvent(signer: EventSigner, rv: RoomVersion, creator: string, extraContent: JsonObject = {}): RoomEvent {
  const content: JsonObject = { ...extraContent, room_version: rv.id };
  if (!rv.implicitRoomCreator) content.creator = creator;
  const skeleton: Record<string, unknown> = {
    type: 'm.room.create',
    state_key: '',
    sender: creator,
    content,
    prev_events: [],
    auth_events: [],
    depth: 1,
    origin_server_ts: signer.now(),
  };
  if (!rv.roomIdFromCreateEvent) skeleton.room_id = `!${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}:${signer.serverName}`;
  return signLocalPdu(skeleton, rv, signer);
}
