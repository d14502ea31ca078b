// Forward extremities (our next prev_events) and backward extremities (prev_events we lack), per room.
import { compareCodePoints } from '../state/code-point-order';
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface ForwardExtremity {
  eventId: string;
  depth: number;
}

export class ExtremitiesRepository {
  private readonly addFwd;
  private readonly delFwd;
  private readonly listFwd;
  private readonly fwdStates;
  private readonly addBack;
  private readonly delBack;
  private readonly listBack;

  constructor({ db, kysely }: StorageContext) {
    this.addFwd = prepare<{ r: number; e: number }>(db, kysely.insertInto('forward_extremities').values({ room_nid: param('r'), event_nid: param('e') }).onConflict((oc) => oc.doNothing()));
    this.delFwd = prepare<{ r: number; e: number }>(db, kysely.deleteFrom('forward_extremities').where('room_nid', '=', param('r')).where('event_nid', '=', param('e')));
    // Unordered: forward() sorts in JS, since an SQL ORDER BY here builds a temporary B-tree per call,
    // which costs ~10× the lookup itself (measured by scripts/bench/extremities.ts).
    this.listFwd = prepare<{ r: number }, ForwardExtremity>(
      db,
      kysely
        .selectFrom('forward_extremities as f')
        .innerJoin('events as e', 'e.event_nid', 'f.event_nid')
        .innerJoin('event_nids as n', 'n.event_nid', 'f.event_nid')
        .select(['n.event_id as eventId', 'e.depth as depth'])
        .where('f.room_nid', '=', param('r')),
    );
    this.fwdStates = prepare<{ r: number }, { event_nid: number; state_after_nid: number | null }>(
      db,
      kysely
        .selectFrom('forward_extremities as f')
        .innerJoin('events as e', 'e.event_nid', 'f.event_nid')
        .select(['f.event_nid', 'e.state_after_nid'])
        .where('f.room_nid', '=', param('r'))
        .orderBy('f.event_nid'),
    );
    this.addBack = prepare<{ r: number; e: number }>(db, kysely.insertInto('backward_extremities').values({ room_nid: param('r'), event_nid: param('e') }).onConflict((oc) => oc.doNothing()));
    this.delBack = prepare<{ r: number; e: number }>(db, kysely.deleteFrom('backward_extremities').where('room_nid', '=', param('r')).where('event_nid', '=', param('e')));
    this.listBack = prepare<{ r: number }, { event_nid: number; event_id: string }>(
      db,
      kysely
        .selectFrom('backward_extremities as b')
        .innerJoin('event_nids as n', 'n.event_nid', 'b.event_nid')
        .select(['b.event_nid', 'n.event_id'])
        .where('b.room_nid', '=', param('r'))
        .orderBy('n.event_id'),
    );
  }

  /** Returns true when the event was not already a forward extremity. */
  addForward(roomNid: number, eventNid: number): boolean {
    return this.addFwd.run({ r: roomNid, e: eventNid }).changes > 0;
  }

  /** Returns true when the event was a forward extremity. */
  removeForward(roomNid: number, eventNid: number): boolean {
    return this.delFwd.run({ r: roomNid, e: eventNid }).changes > 0;
  }

  /**
   * Depth descending, then event ID ascending (by code point, as SQLite's BINARY collation orders
   * UTF-8): deterministic, and the deepest events first (DESIGN.md §3). At most `limit` (negative: all, as
   * SQL's LIMIT).
   */
  forward(roomNid: number, limit?: number): ForwardExtremity[] {
    const rows = this.listFwd.all({ r: roomNid });
    if (rows.length > 1) rows.sort((a, b) => b.depth - a.depth || compareCodePoints(a.eventId, b.eventId));
    return limit === undefined || limit < 0 || rows.length <= limit ? rows : rows.slice(0, limit);
  }

  /** Each forward extremity's nid with the snapshot of the state after it. */
  forwardStates(roomNid: number): { event_nid: number; state_after_nid: number | null }[] {
    return this.fwdStates.all({ r: roomNid });
  }

  addBackward(roomNid: number, eventNid: number): void {
    this.addBack.run({ r: roomNid, e: eventNid });
  }

  removeBackward(roomNid: number, eventNid: number): void {
    this.delBack.run({ r: roomNid, e: eventNid });
  }

  backward(roomNid: number): { event_nid: number; event_id: string }[] {
    return this.listBack.all({ r: roomNid });
  }
}
