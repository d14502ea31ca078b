// EventLoader: the one place state resolution fetches events; memoizes per resolution and batches async fetches.
import { RoomEvent } from '../protocol/room-event';

/** Fetches one event by ID; may answer synchronously (an in-memory map) or asynchronously (storage). */
export type EventFetcher = (eventId: string) => RoomEvent | undefined | Promise<RoomEvent | undefined>;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * A per-resolution cache in front of the caller's fetcher. Every event is fetched at most once; an event
 * whose room ID differs from the room being resolved is treated as missing, so a confused or hostile
 * fetcher cannot pull another room's events into the resolution.
 */
export class EventLoader {
  private readonly cache = new Map<string, RoomEvent | null>();
  /** How many distinct events were asked of the fetcher (the benchmark reports it). */
  fetchCount = 0;

  constructor(
    private readonly fetchEvent: EventFetcher,
    private roomId: string | undefined = undefined,
  ) {}

  /** The event if it has been loaded and exists; never fetches. */
  get(eventId: string): RoomEvent | undefined {
    return this.cache.get(eventId) ?? undefined;
  }

  has(eventId: string): boolean {
    return this.cache.get(eventId) != null;
  }

  /** Loads every ID not loaded yet; awaits only when the fetcher actually returned promises. */
  async load(eventIds: Iterable<string>): Promise<void> {
    let pending: Promise<void>[] | undefined;
    for (const id of eventIds) {
      if (this.cache.has(id)) continue;
      this.cache.set(id, null); // claims the slot so a duplicate ID in this batch is fetched once
      this.fetchCount++;
      const result = this.fetchEvent(id);
      if (isPromise(result)) (pending ??= []).push(result.then((event) => this.store(id, event)));
      else this.store(id, result);
    }
    if (pending) await Promise.all(pending);
  }

  /** Loads one event and returns it. */
  async fetch(eventId: string): Promise<RoomEvent | undefined> {
    if (!this.cache.has(eventId)) await this.load([eventId]);
    return this.get(eventId);
  }

  private store(id: string, event: RoomEvent | undefined): void {
    if (event === undefined || event.eventId !== id) return;
    this.roomId ??= event.roomId;
    if (event.roomId !== this.roomId) return;
    this.cache.set(id, event);
  }
}
