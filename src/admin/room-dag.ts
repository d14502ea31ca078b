// Reads one room's whole event graph from storage — events with their flags, prev and auth edges,
// forward and backward extremities — for the admin API and `dagmar dag export`.
import { MatrixError } from '../protocol/errors';
import type { Storage } from '../storage';
import type { EventsTable } from '../storage/database-schema';

export interface DagEvent {
  eventId: string;
  type: string;
  stateKey: string | undefined;
  sender: string;
  depth: number;
  originServerTs: number;
  receivedTs: number;
  prevEvents: string[];
  authEvents: string[];
  outlier: boolean;
  softFailed: boolean;
  /** Why the auth rules rejected it; undefined when it was not rejected. */
  rejectedReason: string | undefined;
  forwardExtremity: boolean;
}

export interface RoomDag {
  roomId: string;
  roomVersion: string;
  /** Depth ascending, then event ID: the same bytes for the same graph. */
  events: DagEvent[];
  /** Deepest first, then by event ID (the order of our next prev_events). */
  forwardExtremities: Array<{ eventId: string; depth: number }>;
  /** prev_events that the graph cites but we do not hold as non-outliers. */
  backwardExtremities: string[];
}

/** The columns the DAG view reads, typed from the schema. */
type EventRow = { event_id: string } & Pick<
  EventsTable,
  'type' | 'state_key' | 'sender' | 'depth' | 'origin_server_ts' | 'received_ts' | 'outlier' | 'soft_failed' | 'rejection_reason'
>;

function edgesOf(storage: Storage, table: 'event_edges' | 'event_auth_edges', column: 'prev_nid' | 'auth_nid', roomNid: number): Map<string, string[]> {
  const rows = storage.db
    .prepare(
      `SELECT c.event_id AS child, p.event_id AS parent
         FROM ${table} x
         JOIN events e ON e.event_nid = x.event_nid
         JOIN event_nids c ON c.event_nid = x.event_nid
         JOIN event_nids p ON p.event_nid = x.${column}
        WHERE e.room_nid = ?
        ORDER BY c.event_id, p.event_id`,
    )
    .all(roomNid) as Array<{ child: string; parent: string }>;
  const map = new Map<string, string[]>();
  for (const { child, parent } of rows) {
    const list = map.get(child);
    if (list) list.push(parent);
    else map.set(child, [parent]);
  }
  return map;
}

/** The room's graph; 404 M_NOT_FOUND for a room we do not store. */
export function loadRoomDag(storage: Storage, roomId: string): RoomDag {
  const room = storage.db.prepare('SELECT room_nid AS nid, room_version AS version FROM rooms WHERE room_id = ?').get(roomId) as { nid: number; version: string } | undefined;
  if (!room) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
  const rows = storage.db
    .prepare(
      `SELECT n.event_id, e.type, e.state_key, e.sender, e.depth, e.origin_server_ts, e.received_ts, e.outlier, e.soft_failed, e.rejection_reason
         FROM events e JOIN event_nids n ON n.event_nid = e.event_nid
        WHERE e.room_nid = ?
        ORDER BY e.depth, n.event_id`,
    )
    .all(room.nid) as EventRow[];
  const prevs = edgesOf(storage, 'event_edges', 'prev_nid', room.nid);
  const auths = edgesOf(storage, 'event_auth_edges', 'auth_nid', room.nid);
  const forwardExtremities = storage.getForwardExtremities(roomId);
  const forward = new Set(forwardExtremities.map((f) => f.eventId));
  return {
    roomId,
    roomVersion: room.version,
    events: rows.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      stateKey: r.state_key ?? undefined,
      sender: r.sender,
      depth: r.depth,
      originServerTs: r.origin_server_ts,
      receivedTs: r.received_ts,
      prevEvents: prevs.get(r.event_id) ?? [],
      authEvents: auths.get(r.event_id) ?? [],
      outlier: r.outlier === 1,
      softFailed: r.soft_failed === 1,
      rejectedReason: r.rejection_reason ?? undefined,
      forwardExtremity: forward.has(r.event_id),
    })),
    forwardExtremities,
    backwardExtremities: storage.getBackwardExtremities(roomId),
  };
}
