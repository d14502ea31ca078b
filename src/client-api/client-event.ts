// The client-server "ClientEvent" format: what clients see of a PDU (no hashes, signatures,
// prev/auth events or depth), with `unsigned.age` computed at serving time.
import type { JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';

export function toClientEvent(event: RoomEvent, now: number): JsonObject {
  const out: JsonObject = {
    event_id: event.eventId,
    room_id: event.roomId,
    sender: event.sender,
    type: event.type,
    content: event.content,
    origin_server_ts: event.originServerTs,
    unsigned: { age: Math.max(0, now - event.originServerTs) },
  };
  if (event.stateKey !== undefined) out.state_key = event.stateKey;
  // Clients read `redacts` at the top level in every room version (v11 also keeps it in content).
  if (event.redacts !== undefined) out.redacts = event.redacts;
  return out;
}
