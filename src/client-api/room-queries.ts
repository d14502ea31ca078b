// Reads the client API needs beyond the event graph's own surface: a room's timeline in topological
// order (depth, then arrival), and a pending invite we hold only as an outlier.
import { sql } from 'kysely';
import type { Pdu } from '../protocol/pdu';
import type { Storage } from '../storage';

/** A place in a room's timeline: between the events ordered at or before (depth, nid) and those after. */
export interface TimelinePosition {
  depth: number;
  nid: number;
}

export interface TimelineEntry {
  eventId: string;
  position: TimelinePosition;
}

/**
 * Events of the room's graph that clients may see (not outliers, not rejected, not soft-failed),
 * walking from `from`: backwards returns those at or before it, newest first; forwards those after it,
 * oldest first. `to` bounds the walk on the far side (exclusive backwards, inclusive forwards).
 */
export async function timelinePage(
  storage: Storage,
  roomId: string,
  dir: 'b' | 'f',
  from: TimelinePosition,
  to: TimelinePosition | undefined,
  limit: number,
): Promise<TimelineEntry[]> {
  const order = dir === 'b' ? 'desc' : 'asc';
  let query = storage.kysely
    .selectFrom('events')
    .innerJoin('rooms', 'rooms.room_nid', 'events.room_nid')
    .innerJoin('event_nids', 'event_nids.event_nid', 'events.event_nid')
    .select(['event_nids.event_id as eventId', 'events.depth as depth', 'events.event_nid as nid'])
    .where('rooms.room_id', '=', roomId)
    .where('events.outlier', '=', 0)
    .where('events.soft_failed', '=', 0)
    .where('events.rejection_reason', 'is', null);
  // Row-value comparisons keep (depth, nid) a single lexicographic key the index can walk.
  const key = sql`(events.depth, events.event_nid)`;
  if (dir === 'b') {
    query = query.where(sql<boolean>`${key} <= (${from.depth}, ${from.nid})`);
    if (to) query = query.where(sql<boolean>`${key} > (${to.depth}, ${to.nid})`);
  } else {
    query = query.where(sql<boolean>`${key} > (${from.depth}, ${from.nid})`);
    if (to) query = query.where(sql<boolean>`${key} <= (${to.depth}, ${to.nid})`);
  }
  const rows = await query.orderBy('events.depth', order).orderBy('events.event_nid', order).limit(limit).execute();
  return rows.map((r) => ({ eventId: r.eventId, position: { depth: r.depth, nid: r.nid } }));
}

/** The position after the newest visible event of the room ((0, 0) for a room without any). */
export async function timelineEnd(storage: Storage, roomId: string): Promise<TimelinePosition> {
  const [last] = await timelinePage(storage, roomId, 'b', { depth: Number.MAX_SAFE_INTEGER, nid: Number.MAX_SAFE_INTEGER }, undefined, 1);
  return last?.position ?? { depth: 0, nid: 0 };
}

/** The newest invite of `userId` to `roomId` that we hold only as an outlier (a remote server's invite). */
export async function pendingRemoteInvite(storage: Storage, roomId: string, userId: string): Promise<Pdu | undefined> {
  const row = await storage.kysely
    .selectFrom('events')
    .innerJoin('rooms', 'rooms.room_nid', 'events.room_nid')
    .select('events.json')
    .where('rooms.room_id', '=', roomId)
    .where('events.type', '=', 'm.room.member')
    .where('events.state_key', '=', userId)
    .where('events.outlier', '=', 1)
    .orderBy('events.event_nid', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const pdu = JSON.parse(row.json) as Pdu;
  return pdu.content.membership === 'invite' ? pdu : undefined;
}
