// Where the outbound queue lives: an interface (storage implements it durably) and an in-memory version.
import { Pdu } from '../../protocol/pdu';

export interface QueuedPdu {
  /** Monotonic per destination; acknowledging N removes everything up to N. */
  seq: number;
  eventId: string;
  roomId: string;
  pdu: Pdu;
}

export interface SenderStore {
  enqueue(destination: string, items: ReadonlyArray<{ eventId: string; roomId: string; pdu: Pdu }>): void;
  /** The oldest `limit` queued PDUs for a destination. */
  peek(destination: string, limit: number): QueuedPdu[];
  /** How many PDUs wait for a destination. */
  size(destination: string): number;
  /** Removes queued PDUs with seq ≤ upTo. */
  ack(destination: string, upTo: number): void;
  /** Drops all but the newest `keep` PDUs per room (catch-up after an outage). */
  trimToNewest(destination: string, keepPerRoom: number): number;
  /** Destinations with something queued (to resume after a restart). */
  destinations(): string[];
}

export class MemorySenderStore implements SenderStore {
  private readonly queues = new Map<string, QueuedPdu[]>();
  private seq = 0;

  enqueue(destination: string, items: ReadonlyArray<{ eventId: string; roomId: string; pdu: Pdu }>): void {
    const queue = this.queues.get(destination) ?? [];
    for (const item of items) queue.push({ seq: ++this.seq, ...item });
    this.queues.set(destination, queue);
  }

  peek(destination: string, limit: number): QueuedPdu[] {
    return (this.queues.get(destination) ?? []).slice(0, limit);
  }

  size(destination: string): number {
    return this.queues.get(destination)?.length ?? 0;
  }

  ack(destination: string, upTo: number): void {
    const queue = this.queues.get(destination);
    if (!queue) return;
    const rest = queue.filter((q) => q.seq > upTo);
    if (rest.length === 0) this.queues.delete(destination);
    else this.queues.set(destination, rest);
  }

  trimToNewest(destination: string, keepPerRoom: number): number {
    const queue = this.queues.get(destination) ?? [];
    const perRoom = new Map<string, number>();
    const kept: QueuedPdu[] = [];
    for (let i = queue.length - 1; i >= 0; i--) {
      const item = queue[i]!;
      const n = perRoom.get(item.roomId) ?? 0;
      if (n < keepPerRoom) {
        kept.unshift(item);
        perRoom.set(item.roomId, n + 1);
      }
    }
    this.queues.set(destination, kept);
    return queue.length - kept.length;
  }

  destinations(): string[] {
    return [...this.queues.keys()];
  }
}
