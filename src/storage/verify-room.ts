// The invariant checker: recomputes a room's extremities and state from edges and flags, and reports every difference.
import { isNormal, type EventFlags } from './events-repository';
import type { Repositories } from './repositories';
import { crossRoomProblems } from './verify-room-membership';
import { diffStates, fenwickParentSeq } from './state-snapshots-repository';

export interface VerifyResult {
  ok: boolean;
  problems: string[];
}

/**
 * Checks, for one room, everything persistEvents maintains incrementally (DESIGN.md §2):
 * - forward extremities = normal events that no normal event reaches through bad-only paths;
 * - backward extremities = prev events of non-outliers that are not stored as non-outliers;
 * - state after = before + itself for accepted state events, = before otherwise (the empty state, no
 *   snapshot, only where no auth check could have passed: a rejected event's);
 * - snapshot parents follow the Fenwick rule, predecessors are one step back, all in this room;
 * - current state equals the snapshot it was last derived from.
 */
export function verifyRoom(repos: Repositories, roomId: string): VerifyResult {
  const problems: string[] = [];
  const { rooms, events, edges, extremities, snapshots, currentState } = repos;
  const room = rooms.get(roomId);
  if (!room) return { ok: false, problems: [`room ${roomId} is not stored`] };
  const rn = room.room_nid;
  const id = (nid: number): string => events.idOf(nid);

  const flags = new Map<number, EventFlags>(events.flagsOfRoom(rn).map((f) => [f.event_nid, f]));
  const prevs = new Map<number, number[]>();
  for (const e of edges.prevEdgesOfRoom(rn)) {
    const list = prevs.get(e.event_nid);
    if (list) list.push(e.prev_nid);
    else prevs.set(e.event_nid, [e.prev_nid]);
  }
  const inGraph = (nid: number): boolean => {
    const f = flags.get(nid);
    return f !== undefined && f.outlier === 0;
  };

  // Forward extremities from scratch: mark everything a normal event reaches through bad-only paths.
  const covered = new Set<number>();
  const walkedBad = new Set<number>();
  for (const [nid, f] of flags) {
    if (!isNormal(f)) continue;
    const stack = [...(prevs.get(nid) ?? [])];
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const pf = flags.get(p);
      if (!pf || pf.outlier) continue;
      if (isNormal(pf)) covered.add(p);
      else if (!walkedBad.has(p)) {
        walkedBad.add(p);
        stack.push(...(prevs.get(p) ?? []));
      }
    }
  }
  const expectedForward = new Set([...flags.values()].filter((f) => isNormal(f) && !covered.has(f.event_nid)).map((f) => f.event_nid));
  const storedForward = new Set(extremities.forwardStates(rn).map((s) => s.event_nid));
  for (const nid of expectedForward) if (!storedForward.has(nid)) problems.push(`forward extremity missing: ${id(nid)}`);
  for (const nid of storedForward) if (!expectedForward.has(nid)) problems.push(`forward extremity that should not be: ${id(nid)}`);
  if (expectedForward.size === 0 && [...flags.values()].some((f) => f.outlier === 0 && isNormal(f))) problems.push('no forward extremities');

  // Backward extremities from scratch.
  const expectedBackward = new Set<number>();
  for (const [nid, f] of flags) {
    if (f.outlier) continue;
    for (const p of prevs.get(nid) ?? []) if (!inGraph(p)) expectedBackward.add(p);
  }
  const storedBackward = new Set(extremities.backward(rn).map((b) => b.event_nid));
  for (const nid of expectedBackward) if (!storedBackward.has(nid)) problems.push(`backward extremity missing: ${id(nid)}`);
  for (const nid of storedBackward) if (!expectedBackward.has(nid)) problems.push(`backward extremity that should not be: ${id(nid)}`);

  // Snapshots: structure.
  const snaps = new Map(snapshots.ofRoom(rn).map((s) => [s.snapshot_nid, s]));
  for (const s of snaps.values()) {
    const parent = s.parent_nid === null ? undefined : snaps.get(s.parent_nid);
    const wantParentSeq = fenwickParentSeq(s.seq);
    if (s.parent_nid !== null && !parent) problems.push(`snapshot ${s.snapshot_nid}: parent ${s.parent_nid} is not in this room`);
    if ((parent ? parent.seq : 0) !== wantParentSeq) problems.push(`snapshot ${s.snapshot_nid}: parent seq ${parent ? parent.seq : 0}, expected ${wantParentSeq}`);
    const pred = s.predecessor_nid === null ? undefined : snaps.get(s.predecessor_nid);
    if ((pred ? pred.seq : 0) !== s.seq - 1) problems.push(`snapshot ${s.snapshot_nid}: predecessor seq is not seq − 1`);
  }

  // Snapshots per event. No snapshot (null) is the empty state. An event that passed the auth rules
  // had m.room.create in its state before (auth rules: every non-create event needs it), and an
  // accepted state event has at least itself after. A rejected event's state after is its state
  // before, which is empty when nothing was known at its prev events (a peer that gave no state).
  for (const [nid, f] of flags) {
    if (f.outlier) continue;
    const row = events.getByNid(nid);
    if (!row) continue;
    const passedAuth = f.rejected === 0;
    if (passedAuth && row.state_before_nid === null && (prevs.get(nid) ?? []).length > 0) problems.push(`${row.event_id}: empty state before, but it has prev events`);
    const acceptedState = row.state_key !== null && passedAuth;
    if (!acceptedState) {
      if (row.state_after_nid !== row.state_before_nid) problems.push(`${row.event_id}: state after differs from state before, but it is not an accepted state event`);
      continue;
    }
    if (row.state_after_nid === null) {
      problems.push(`${row.event_id}: no state after`);
      continue;
    }
    const expected = snapshots.loadNids(row.state_before_nid);
    const keyNid = snapshots.keyNidOf(row.type, row.state_key as string);
    if (keyNid === undefined) {
      problems.push(`${row.event_id}: its (type, state_key) was never interned`);
      continue;
    }
    expected.set(keyNid, nid);
    const delta = diffStates(expected, snapshots.loadNids(row.state_after_nid));
    if (delta.size > 0) problems.push(`${row.event_id}: state after ≠ state before + the event (${delta.size} keys differ)`);
  }

  // Forward extremities must have state; current state must match the snapshot it came from.
  if (room.current_snapshot_nid !== null) {
    const delta = diffStates(snapshots.loadNids(room.current_snapshot_nid), currentState.loadNids(rn));
    if (delta.size > 0) problems.push(`current state differs from its snapshot ${room.current_snapshot_nid} in ${delta.size} keys`);
  }
  problems.push(...crossRoomProblems(repos, rn));
  return { ok: problems.length === 0, problems };
}
