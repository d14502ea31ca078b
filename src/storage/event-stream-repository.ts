// The stream order over client-visible events (schema 004's event_stream, filled by the persist
// transaction's triggers): what /sync's `since` counts in. Positions are a counter of their own, never nids.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface StreamEvent {
  eventId: string;
  position: number;
}

export class EventStreamRepository {
  private readonly maxRow;
  private readonly roomAfter;
  private readonly ofEvent;

  constructor({ db, kysely }: StorageContext) {
    this.maxRow = prepare<Record<string, never>, { p: number | null }>(db, kysely.selectFrom('event_stream').select((eb) => eb.fn.max('stream_ordering').as('p')));
    this.ofEvent = prepare<{ id: string }, { stream_ordering: number }>(
      db,
      kysely.selectFrom('event_stream as s').innerJoin('event_nids as n', 'n.event_nid', 's.event_nid').select('s.stream_ordering').where('n.event_id', '=', param('id')),
    );
    this.roomAfter = prepare<{ r: number; a: number; u: number; n: number }, { event_id: string; stream_ordering: number }>(
      db,
      kysely
        .selectFrom('event_stream as s')
        .innerJoin('events as e', 'e.event_nid', 's.event_nid')
        .innerJoin('event_nids as n', 'n.event_nid', 's.event_nid')
        .select(['n.event_id', 's.stream_ordering'])
        .where('s.room_nid', '=', param('r'))
        .where('s.stream_ordering', '>', param('a'))
        .where('s.stream_ordering', '<=', param('u'))
        // What clients may see: rejected and soft-failed events never (their rows stay in the stream).
        .where('e.outlier', '=', 0)
        .where('e.soft_failed', '=', 0)
        .where('e.rejection_reason', 'is', null)
        .orderBy('s.stream_ordering', 'desc')
        .limit(param('n')),
    );
  }

  /** The newest position (0 before any event). */
  max(): number {
    return this.maxRow.get({})?.p ?? 0;
  }

  /** Where an event entered the stream; undefined for one that never did (an outlier other than a membership). */
  positionOf(eventId: string): number | undefined {
    return this.ofEvent.get({ id: eventId })?.stream_ordering;
  }

  /** The room's visible events in (after, upTo], newest first, at most `limit`. */
  roomEventsAfter(roomNid: number, after: number, upTo: number, limit: number): StreamEvent[] {
    return this.roomAfter.all({ r: roomNid, a: after, u: upTo, n: limit }).map((r) => ({ eventId: r.event_id, position: r.stream_ordering }));
  }
}
