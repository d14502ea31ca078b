// Every event taken into a room belongs to that room (DESIGN.md §5): its room_id is the room's and it
// was read under the room's version. One predicate for every intake path (remote answers and our own
// storage read by ID), and the guard RoomService and outlier ingest apply as the last line.
import { MatrixError } from '../protocol/errors';
import { RoomEvent } from '../protocol/room-event';
import type { StateMap } from '../protocol/state-map';
import type { Storage } from '../storage';

/** The room events are checked against: its ID and version (a v12 room ID is its create event's hash). */
export interface RoomRef {
  roomId: string;
  roomVersionId: string;
}

export function roomOf(event: RoomEvent): RoomRef {
  return { roomId: event.roomId, roomVersionId: event.roomVersion.id };
}

/**
 * Server-server API "Checks performed on receipt of a PDU" presumes every event it looks at is of the
 * PDU's room; nothing in a remote answer or in an ID it names may be taken from another room.
 */
export function belongsToRoom(event: RoomEvent, room: RoomRef): boolean {
  return event.roomId === room.roomId && event.roomVersion.id === room.roomVersionId;
}

/** The events of `events` that are not of `room` (empty when all are). */
export function foreignEvents(events: readonly RoomEvent[], room: RoomRef): RoomEvent[] {
  return events.filter((e) => !belongsToRoom(e, room));
}

/** Stored events among `ids` that belong to another room (IDs we do not hold are not foreign). */
export function storedForeignEvents(storage: Storage, ids: Iterable<string>, room: RoomRef): RoomEvent[] {
  return foreignEvents(
    storage.getEvents([...new Set(ids)]).map((s) => s.event),
    room,
  );
}

/** Stored events of another room that `event` names as a prev or auth event. */
export function foreignReferences(storage: Storage, event: RoomEvent): RoomEvent[] {
  return storedForeignEvents(storage, [...event.prevEventIds, ...event.authEventIds], roomOf(event));
}

/** Why `events` cannot enter `room`: the first foreign one, described for logs and /send results. */
export function foreignReason(foreign: readonly RoomEvent[], room: RoomRef): string {
  const first = foreign[0];
  if (!first) return '';
  const more = foreign.length > 1 ? ` (and ${foreign.length - 1} more)` : '';
  return `${first.eventId} belongs to room ${first.roomId} (version ${first.roomVersion.id}), not ${room.roomId} (version ${room.roomVersionId})${more}`;
}

/**
 * The last line: throws 403 M_FORBIDDEN when `event`, an event it names, or an entry of one of
 * `stateSets` is of another room, or when a state entry names an event we do not hold. The intake
 * paths drop such input long before; reaching this means one of them missed it.
 */
export function assertAllOfRoom(storage: Storage, event: RoomEvent, stateSets: readonly StateMap[] = []): void {
  const room = roomOf(event);
  const storedVersion = storage.roomVersionOf(event.roomId);
  if (storedVersion !== undefined && storedVersion !== room.roomVersionId) {
    throw new MatrixError(403, 'M_FORBIDDEN', `${event.eventId} was read as room version ${room.roomVersionId}, but ${event.roomId} is version ${storedVersion}`);
  }
  const foreign = foreignReferences(storage, event);
  for (const state of stateSets) {
    const ids = [...new Set(state.values())];
    const stored = storage.getEvents(ids);
    if (stored.length !== ids.length) throw new MatrixError(403, 'M_FORBIDDEN', `a state given for ${event.eventId} names events we do not hold`);
    foreign.push(...foreignEvents(stored.map((s) => s.event), room));
  }
  if (foreign.length > 0) throw new MatrixError(403, 'M_FORBIDDEN', `Cannot take ${event.eventId} into ${event.roomId}: ${foreignReason(foreign, room)}`);
}
