// The client-server "ClientEvent" format: what clients see of a PDU (no hashes, signatures,
// prev/auth events or depth), with `unsigned.age` computed at serving time, and pruned with
// `unsigned.redacted_because` once a redaction applies to it.
import type { JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';
import { asRedacted } from '../rooms/redaction-application';
import type { Storage } from '../storage';

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

/** The event as a client may see it now: redacted when a redaction of it has taken effect. */
export function clientEventOf(storage: Storage, event: RoomEvent, now: number, transactionId?: string): JsonObject {
  const shown = asRedacted(storage, event);
  const out = toClientEvent(shown.event, now, shown.redactedBy);
  // Only to the device that sent it (client-server API "Transaction identifiers"): how it matches its local echo.
  if (transactionId !== undefined) (out.unsigned as JsonObject).transaction_id = transactionId;
  return out;
}
