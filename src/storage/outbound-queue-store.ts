// What the outbound transaction sender needs from a queue of PDUs per destination; storage implements it
// durably (outbound-queue-repository.ts) so that what we owe other servers survives a restart.
import type { Pdu } from '../protocol/pdu';

/** One PDU waiting for one destination. */
export interface QueuedPdu {
  /** Monotonic per destination; acknowledging N removes everything up to N. */
  seq: number;
  eventId: string;
  roomId: string;
  pdu: Pdu;
}

export interface OutboundQueueStore {
  enqueue(destination: string, items: ReadonlyArray<{ eventId: string; roomId: string; pdu: Pdu }>): void;
  /** The oldest `limit` queued PDUs for a destination. */
  peek(destination: string, limit: number): QueuedPdu[];
  /** How many PDUs wait for a destination. */
  size(destination: string): number;
  /** Removes queued PDUs with seq ≤ upTo. */
  ack(destination: string, upTo: number): void;
  /** Drops all but the newest `keepPerRoom` PDUs per room (catch-up after an outage); returns how many went. */
  trimToNewest(destination: string, keepPerRoom: number): number;
  /** Destinations with something queued (to resume after a restart). */
  destinations(): string[];
}
