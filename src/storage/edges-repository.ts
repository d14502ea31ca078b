// Edges of the DAG: prev_events (child -> parent, read both ways) and auth_events (event -> auth event).
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export class EdgesRepository {
  private readonly insertPrev;
  private readonly insertAuth;
  private readonly prevs;
  private readonly children;
  private readonly auths;
  private readonly edgesInRoom;

  constructor({ db, kysely }: StorageContext) {
    this.insertPrev = prepare<{ e: number; p: number }>(db, kysely.insertInto('event_edges').values({ event_nid: param('e'), prev_nid: param('p') }).onConflict((oc) => oc.doNothing()));
    this.insertAuth = prepare<{ e: number; a: number }>(db, kysely.insertInto('event_auth_edges').values({ event_nid: param('e'), auth_nid: param('a') }).onConflict((oc) => oc.doNothing()));
    this.prevs = prepare<{ e: number }, { prev_nid: number }>(db, kysely.selectFrom('event_edges').select('prev_nid').where('event_nid', '=', param('e')));
    this.children = prepare<{ p: number }, { event_nid: number }>(db, kysely.selectFrom('event_edges').select('event_nid').where('prev_nid', '=', param('p')));
    this.auths = prepare<{ e: number }, { auth_nid: number }>(db, kysely.selectFrom('event_auth_edges').select('auth_nid').where('event_nid', '=', param('e')));
    this.edgesInRoom = prepare<{ roomNid: number }, { event_nid: number; prev_nid: number }>(
      db,
      kysely
        .selectFrom('event_edges')
        .innerJoin('events', 'events.event_nid', 'event_edges.event_nid')
        .select(['event_edges.event_nid', 'event_edges.prev_nid'])
        .where('events.room_nid', '=', param('roomNid')),
    );
  }

  addPrev(eventNid: number, prevNid: number): void {
    this.insertPrev.run({ e: eventNid, p: prevNid });
  }

  addAuth(eventNid: number, authNid: number): void {
    this.insertAuth.run({ e: eventNid, a: authNid });
  }

  prevsOf(eventNid: number): number[] {
    return this.prevs.all({ e: eventNid }).map((r) => r.prev_nid);
  }

  /** Stored events that name this one in their prev_events. */
  childrenOf(eventNid: number): number[] {
    return this.children.all({ p: eventNid }).map((r) => r.event_nid);
  }

  authOf(eventNid: number): number[] {
    return this.auths.all({ e: eventNid }).map((r) => r.auth_nid);
  }

  /** Every prev edge whose child is in the room (for the invariant checker). */
  prevEdgesOfRoom(roomNid: number): { event_nid: number; prev_nid: number }[] {
    return this.edgesInRoom.all({ roomNid });
  }
}
