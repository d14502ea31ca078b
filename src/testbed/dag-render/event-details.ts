// What hovering an event shows: its PDU as stored and dagmar's flags for it, keyed by event ID.
import type { RoomDag } from '../../admin/room-dag';
import type { Storage } from '../../storage';

export interface EventDetails {
  event_id: string;
  forward_extremity: boolean;
  outlier: boolean;
  soft_failed: boolean;
  rejected_reason?: string;
  /** The event as it travels over federation; absent if storage lost it between the two reads. */
  pdu?: unknown;
}

export function eventDetails(storage: Storage, dag: RoomDag): Record<string, EventDetails> {
  const details: Record<string, EventDetails> = {};
  for (const e of dag.events) {
    const pdu = storage.getEvent(e.eventId)?.event.pdu;
    details[e.eventId] = {
      event_id: e.eventId,
      forward_extremity: e.forwardExtremity,
      outlier: e.outlier,
      soft_failed: e.softFailed,
      ...(e.rejectedReason !== undefined ? { rejected_reason: e.rejectedReason } : {}),
      ...(pdu !== undefined ? { pdu } : {}),
    };
  }
  return details;
}
