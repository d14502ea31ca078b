// The client-server "ClientEvent" format of a PDU (client-server API "Room Event Format"): no hashes,
// signatures, prev/auth events or depth; `unsigned.age` at serving time; `redacted_because` when pruned.
import type { JsonObject } from './json';
import type { RoomEvent } from './room-event';

export function toClientEvent(event: RoomEvent, now: number, redactedBy?: RoomEvent): JsonObject {
  const unsigned: JsonObject = { age: Math.max(0, now - event.originServerTs) };
  if (redactedBy) unsigned.redacted_because = toClientEvent(redactedBy, now);
  const out: JsonObject = {
    event_id: event.eventId,
    room_id: event.roomId,
    sender: event.sender,
    type: event.type,
    content: event.content,
    origin_server_ts: event.originServerTs,
    unsigned,
  };
  if (event.stateKey !== undefined) out.state_key = event.stateKey;
  // Clients read `redacts` at the top level in every room version (v11 also keeps it in content).
  if (event.redacts !== undefined) out.redacts = event.redacts;
  return out;
}
