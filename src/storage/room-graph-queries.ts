// Whole-room reads for operators: every room with its sizes, forward extremities per room (the metrics
// gauge), and one room's events and edges (the admin DAG export). Typed rows only; no SQL leaves storage.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

/** One stored room and its sizes. */
export interface RoomSummary {
  roomId: string;
  roomVersion: string;
  /** Stored events, outliers included. */
  events: number;
  forwardExtremities: number;
}

/** A stored event of a room's graph with its flags (outliers included). */
export interface GraphEventRow {
  eventId: string;
  type: string;
  stateKey: string | undefined;
  sender: string;
  depth: number;
  originServerTs: number;
  receivedTs: number;
  outlier: boolean;
  softFailed: boolean;
  rejectedReason: string | undefined;
}

/** A prev_events or auth_events edge, child → parent. */
export interface GraphEdge {
  child: string;
  parent: string;
}

interface EventRowRaw {
  event_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  depth: number;
  origin_server_ts: number;
  received_ts: number;
  outlier: number;
  soft_failed: number;
  rejection_reason: string | null;
}

export class RoomGraphQueries {
  private readonly summaries;
  private readonly extremityCounts;
  private readonly eventsOfRoom;
  private readonly prevEdgesOfRoom;
  private readonly authEdgesOfRoom;

  constructor({ db, kysely }: StorageContext) {
    this.summaries = prepare<Record<string, never>, RoomSummary>(
      db,
      kysely
        .selectFrom('rooms as r')
        .select(['r.room_id as roomId', 'r.room_version as roomVersion'])
        .select((eb) => [
          eb.selectFrom('events as e').select(eb.fn.countAll<number>().as('n')).whereRef('e.room_nid', '=', 'r.room_nid').as('events'),
          eb.selectFrom('forward_extremities as f').select(eb.fn.countAll<number>().as('n')).whereRef('f.room_nid', '=', 'r.room_nid').as('forwardExtremities'),
        ])
        .orderBy('r.room_id'),
    );
    this.extremityCounts = prepare<Record<string, never>, { roomId: string; count: number }>(
      db,
      kysely
        .selectFrom('rooms as r')
        .leftJoin('forward_extremities as f', 'f.room_nid', 'r.room_nid')
        .select((eb) => ['r.room_id as roomId', eb.fn.count<number>('f.event_nid').as('count')])
        .groupBy('r.room_nid')
        .orderBy('r.room_id'),
    );
    this.eventsOfRoom = prepare<{ r: number }, EventRowRaw>(
      db,
      kysely
        .selectFrom('events as e')
        .innerJoin('event_nids as n', 'n.event_nid', 'e.event_nid')
        .select(['n.event_id', 'e.type', 'e.state_key', 'e.sender', 'e.depth', 'e.origin_server_ts', 'e.received_ts', 'e.outlier', 'e.soft_failed', 'e.rejection_reason'])
        .where('e.room_nid', '=', param('r'))
        .orderBy('e.depth')
        .orderBy('n.event_id'),
    );
    this.prevEdgesOfRoom = prepare<{ r: number }, GraphEdge>(
      db,
      kysely
        .selectFrom('event_edges as x')
        .innerJoin('events as e', 'e.event_nid', 'x.event_nid')
        .innerJoin('event_nids as c', 'c.event_nid', 'x.event_nid')
        .innerJoin('event_nids as p', 'p.event_nid', 'x.prev_nid')
        .select(['c.event_id as child', 'p.event_id as parent'])
        .where('e.room_nid', '=', param('r'))
        .orderBy('c.event_id')
        .orderBy('p.event_id'),
    );
    this.authEdgesOfRoom = prepare<{ r: number }, GraphEdge>(
      db,
      kysely
        .selectFrom('event_auth_edges as x')
        .innerJoin('events as e', 'e.event_nid', 'x.event_nid')
        .innerJoin('event_nids as c', 'c.event_nid', 'x.event_nid')
        .innerJoin('event_nids as p', 'p.event_nid', 'x.auth_nid')
        .select(['c.event_id as child', 'p.event_id as parent'])
        .where('e.room_nid', '=', param('r'))
        .orderBy('c.event_id')
        .orderBy('p.event_id'),
    );
  }

  /** Every room, sorted by room ID. */
  rooms(): RoomSummary[] {
    return this.summaries.all({});
  }

  /** Forward extremities per room (0 for a room we hold only outliers of), sorted by room ID. */
  forwardExtremityCounts(): Array<{ roomId: string; count: number }> {
    return this.extremityCounts.all({});
  }

  /** The room's stored events, depth ascending, then event ID. */
  events(roomNid: number): GraphEventRow[] {
    return this.eventsOfRoom.all({ r: roomNid }).map((r) => ({
      eventId: r.event_id,
      type: r.type,
      stateKey: r.state_key ?? undefined,
      sender: r.sender,
      depth: r.depth,
      originServerTs: r.origin_server_ts,
      receivedTs: r.received_ts,
      outlier: r.outlier === 1,
      softFailed: r.soft_failed === 1,
      rejectedReason: r.rejection_reason ?? undefined,
    }));
  }

  /** prev_events edges of the room's stored events, sorted by child, then parent. */
  prevEdges(roomNid: number): GraphEdge[] {
    return this.prevEdgesOfRoom.all({ r: roomNid });
  }

  /** auth_events edges of the room's stored events, sorted by child, then parent. */
  authEdges(roomNid: number): GraphEdge[] {
    return this.authEdgesOfRoom.all({ r: roomNid });
  }
}
