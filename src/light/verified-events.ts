// The light server's cache of verified events: each one passed the PDU checks (format, signatures,
// hashes) and the authorization rules against its own auth events; those that failed the rules are kept
// as rejected. Events that failed the PDU checks are never stored here.
import type { RoomEvent } from '../protocol/room-event';

export interface VerifiedEvent {
  event: RoomEvent;
  /** Why the auth rules rejected it against its own auth events; undefined when accepted. */
  rejected: string | undefined;
}

export class VerifiedEvents {
  private readonly events = new Map<string, VerifiedEvent>();
  private readonly rejectedIds = new Set<string>();
  /** Put since the last takeFresh(), for whoever persists the cache. */
  private fresh: VerifiedEvent[] = [];

  get(eventId: string): VerifiedEvent | undefined {
    return this.events.get(eventId);
  }

  has(eventId: string): boolean {
    return this.events.has(eventId);
  }

  put(entry: VerifiedEvent): void {
    this.events.set(entry.event.eventId, entry);
    if (entry.rejected !== undefined) this.rejectedIds.add(entry.event.eventId);
    this.fresh.push(entry);
  }

  /** Entries put since the last call (and forgets them). */
  takeFresh(): VerifiedEvent[] {
    const taken = this.fresh;
    this.fresh = [];
    return taken;
  }

  /** The IDs of cached events the auth rules rejected (state resolution must know them). */
  rejected(): ReadonlySet<string> {
    return this.rejectedIds;
  }

  get size(): number {
    return this.events.size;
  }
}
