// Part of the invariant checker: nothing a room's graph or state points at is an event of another room
// (DESIGN.md §5, "every event taken into a room belongs to that room").
import type { Repositories } from './repositories';

/**
 * Every prev and auth edge, state-snapshot entry, current-state entry and backward extremity of the
 * room must name an event of the room, or one we do not hold (a gap). Events themselves belong by
 * construction: their row's room comes from their own room_id.
 */
export function crossRoomProblems(repos: Repositories, roomNid: number): string[] {
  const { events, edges, snapshots, currentState, extremities } = repos;
  const problems: string[] = [];
  const foreign = (nid: number): boolean => {
    const f = events.flags(nid);
    return f !== undefined && f.room_nid !== roomNid;
  };
  const id = (nid: number): string => events.idOf(nid);

  for (const e of edges.prevEdgesOfRoom(roomNid)) {
    if (foreign(e.prev_nid)) problems.push(`prev edge ${id(e.event_nid)} → ${id(e.prev_nid)}: the parent is an event of another room`);
  }
  for (const f of events.flagsOfRoom(roomNid)) {
    for (const auth of edges.authOf(f.event_nid)) {
      if (foreign(auth)) problems.push(`auth edge ${id(f.event_nid)} → ${id(auth)}: the auth event is an event of another room`);
    }
  }
  for (const s of snapshots.ofRoom(roomNid)) {
    for (const nid of snapshots.entries(s.snapshot_nid).values()) {
      if (nid !== null && foreign(nid)) problems.push(`snapshot ${s.snapshot_nid} holds ${id(nid)}, an event of another room`);
    }
  }
  for (const nid of currentState.loadNids(roomNid).values()) {
    if (foreign(nid)) problems.push(`current state holds ${id(nid)}, an event of another room`);
  }
  for (const b of extremities.backward(roomNid)) {
    if (foreign(b.event_nid)) problems.push(`backward extremity ${b.event_id} is an event of another room`);
  }
  return problems;
}
