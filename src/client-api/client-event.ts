// The client-server "ClientEvent" format: what clients see of a PDU (no hashes, signatures,
// prev/auth events or depth), with `unsigned.age` computed at serving time, and pruned with
// `unsigned.redacted_because` once a redaction applies to it.
import type { JsonObject } from '../protocol/json';
import { toClientEvent } from '../protocol/client-event-format';

export { toClientEvent } from '../protocol/client-event-format';
import type { RoomEvent } from '../protocol/room-event';
import { asRedacted } from '../rooms/redaction-application';
import type { Storage } from '../storage';


/** The event as a client may see it now: redacted when a redaction of it has taken effect. */
export function clientEventOf(storage: Storage, event: RoomEvent, now: number, transactionId?: string): JsonObject {
  const shown = asRedacted(storage, event);
  const out = toClientEvent(shown.event, now, shown.redactedBy);
  // Only to the device that sent it (client-server API "Transaction identifiers"): how it matches its local echo.
  if (transactionId !== undefined) (out.unsigned as JsonObject).transaction_id = transactionId;
  return out;
}
