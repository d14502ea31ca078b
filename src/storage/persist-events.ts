// THE transaction: persists a batch of PDUs — rows, edges, state snapshots, extremities, current state — all or nothing.
import type { RoomEvent } from '../protocol/room-event';
import { parseStateKey, StateMap } from '../protocol/state-map';
import { updateExtremities } from './extremity-update';
import type { Repositories } from './repositories';
import { diffStates, NidState } from './state-snapshots-repository';

export interface PersistItem {
  event: RoomEvent;
  /** Fetched only for auth chains or state: never an extremity, no state snapshot. */
  outlier?: boolean;
  /** Rejected by the auth rules: stored, never an extremity, state after = state before. */
  rejectedReason?: string;
  /** Soft-failed: stored with its state, never an extremity, not applied to current state. */
  softFailed?: boolean;
  /** The state before the event; required unless derivable (see persistEvents). */
  stateBefore?: StateMap;
  receivedTs?: number;
}

export interface PersistOptions {
  /** The resolved current state per room ID; needed when the room's extremities disagree. */
  currentState?: Map<string, StateMap>;
}

export interface PersistResult {
  /** Newly stored events, in the order they were written (parents before children). */
  stored: string[];
  /** Outliers that became part of the graph. */
  promoted: string[];
  /** Already stored (no-op). */
  unchanged: string[];
}

/**
 * Persists `items` in one transaction (BEGIN IMMEDIATE, so a second process waits rather than
 * interleaving). Any throw rolls everything back.
 *
 * stateBefore may be omitted when derivable: no prev events → empty; every prev event stored as a
 * non-outlier with the same state after it → that state. Current state is set from
 * options.currentState when given for the room, else derived when the room's forward extremities
 * changed and all have the same state after them; otherwise this throws and asks for it.
 */
export function persistEvents(repos: Repositories, items: PersistItem[], options: PersistOptions = {}): PersistResult {
  let run = transactions.get(repos);
  if (!run) {
    // A transaction wrapper is built once per connection, not per call.
    run = repos.ctx.dialect.writeTransaction(repos.ctx.db, (batch: PersistItem[], opts: PersistOptions) => persistInTransaction(repos, batch, opts));
    transactions.set(repos, run);
  }
  return run(items, options);
}

const transactions = new WeakMap<Repositories, (batch: PersistItem[], opts: PersistOptions) => PersistResult>();

function persistInTransaction(repos: Repositories, items: PersistItem[], options: PersistOptions): PersistResult {
  const { rooms, events, edges, snapshots, extremities } = repos;
  const result: PersistResult = { stored: [], promoted: [], unchanged: [] };
  const changedRooms = new Map<number, string>();

  for (const item of orderParentsFirst(items)) {
    const ev = item.event;
    const room = rooms.getOrCreate(ev.roomId, ev.roomVersion.id);
    const existing = events.get(ev.eventId);
    if (existing && (existing.outlier === 0 || item.outlier)) {
      if (existing.room_nid !== room.room_nid) throw new Error(`persistEvents: ${ev.eventId} is already stored in another room`);
      result.unchanged.push(ev.eventId);
      continue;
    }
    const eventNid = existing ? existing.event_nid : events.intern(ev.eventId);
    const outlier = item.outlier === true;
    const rejected = item.rejectedReason !== undefined;
    const softFailed = item.softFailed === true && !rejected;

    // State: the snapshot before (derived or given) and after (before + the event if it is accepted state).
    let before: number | null = null;
    let after: number | null = null;
    if (!outlier) {
      before = snapshotBefore(repos, room.room_nid, item);
      after = before;
      if (ev.stateKey !== undefined && !rejected) {
        after = snapshots.create(room.room_nid, before, new Map([[snapshots.internKey(ev.type, ev.stateKey), eventNid]]));
      }
    }

    if (existing) {
      events.promote({ event_nid: eventNid, soft_failed: softFailed ? 1 : 0, rejection_reason: item.rejectedReason ?? null, state_before_nid: before, state_after_nid: after });
      result.promoted.push(ev.eventId);
    } else {
      events.insert({
        event_nid: eventNid,
        room_nid: room.room_nid,
        type: ev.type,
        state_key: ev.stateKey ?? null,
        sender: ev.sender,
        depth: ev.depth,
        origin_server_ts: ev.originServerTs,
        received_ts: item.receivedTs ?? repos.ctx.now(),
        outlier: outlier ? 1 : 0,
        soft_failed: softFailed ? 1 : 0,
        rejection_reason: item.rejectedReason ?? null,
        state_before_nid: before,
        state_after_nid: after,
        json: JSON.stringify(ev.pdu),
      });
      for (const prev of new Set(ev.prevEventIds)) edges.addPrev(eventNid, events.intern(prev));
      for (const auth of new Set(ev.authEventIds)) edges.addAuth(eventNid, events.intern(auth));
      if (ev.redacts !== undefined) events.recordRedaction(eventNid, events.intern(ev.redacts));
      result.stored.push(ev.eventId);
    }
    if (!outlier) {
      const normal = !rejected && !softFailed;
      if (updateExtremities({ events, edges, extremities }, room.room_nid, eventNid, normal)) changedRooms.set(room.room_nid, ev.roomId);
    }
  }

  for (const [roomId, state] of options.currentState ?? []) {
    const room = rooms.get(roomId);
    if (!room) throw new Error(`persistEvents: currentState given for ${roomId}, which has no stored events`);
    setCurrentStateExplicitly(repos, room.room_nid, state);
    changedRooms.delete(room.room_nid);
  }
  for (const [roomNid, roomId] of changedRooms) deriveCurrentState(repos, roomNid, roomId);
  return result;
}

/** Sorts a batch so that an event comes after any of its prev events in the same batch (iterative DFS). */
function orderParentsFirst(items: PersistItem[]): PersistItem[] {
  const byId = new Map<string, PersistItem>();
  for (const item of items) {
    const prior = byId.get(item.event.eventId);
    // The same event twice in a batch: the non-outlier copy wins.
    if (!prior || (prior.outlier && !item.outlier)) byId.set(item.event.eventId, item);
  }
  const ordered: PersistItem[] = [];
  const state = new Map<string, 'open' | 'done'>();
  for (const root of byId.keys()) {
    if (state.has(root)) continue;
    const stack: { id: string; expanded: boolean }[] = [{ id: root, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop() as { id: string; expanded: boolean };
      if (top.expanded) {
        state.set(top.id, 'done');
        ordered.push(byId.get(top.id) as PersistItem);
        continue;
      }
      if (state.has(top.id)) continue; // a DAG has no cycles; a malformed batch just keeps its order
      state.set(top.id, 'open');
      stack.push({ id: top.id, expanded: true });
      for (const prev of (byId.get(top.id) as PersistItem).event.prevEventIds) {
        if (byId.has(prev) && !state.has(prev)) stack.push({ id: prev, expanded: false });
      }
    }
  }
  return ordered;
}

/** The snapshot of the state before the item's event: given by the caller, or derived from its prev events. */
function snapshotBefore(repos: Repositories, roomNid: number, item: PersistItem): number | null {
  const { events, snapshots } = repos;
  const ev = item.event;
  const prevSnapshots: (number | null)[] = [];
  const unknown: string[] = [];
  for (const prev of ev.prevEventIds) {
    const row = events.get(prev);
    if (!row || row.outlier) unknown.push(prev);
    else prevSnapshots.push(row.state_after_nid);
  }
  const distinct = [...new Set(prevSnapshots)];

  if (item.stateBefore !== undefined) {
    const target = toNidState(repos, item.stateBefore);
    // Reuse a parent's snapshot when the given state is exactly it; else store a delta on the closest one.
    let best: { nid: number | null; delta: Map<number, number | null> } = { nid: null, delta: diffStates(new Map(), target) };
    for (const nid of distinct.slice(0, 4)) {
      const delta = diffStates(snapshots.loadNids(nid), target);
      if (delta.size === 0) return nid;
      if (delta.size < best.delta.size) best = { nid, delta };
    }
    if (best.delta.size === 0) return null; // the empty state
    return snapshots.create(roomNid, best.nid, best.delta);
  }

  if (ev.prevEventIds.length === 0) return null;
  if (unknown.length > 0) {
    throw new Error(`persistEvents: stateBefore is required for ${ev.eventId}: prev event(s) ${unknown.join(', ')} are not stored (or only as outliers)`);
  }
  if (distinct.length === 1) return distinct[0];
  const first = snapshots.loadNids(distinct[0]);
  for (const other of distinct.slice(1)) {
    if (diffStates(first, snapshots.loadNids(other)).size > 0) {
      throw new Error(`persistEvents: stateBefore is required for ${ev.eventId}: its prev events have different states (resolve them first)`);
    }
  }
  return distinct[0];
}

function toNidState(repos: Repositories, state: StateMap): NidState {
  const out: NidState = new Map();
  for (const [key, eventId] of state) {
    const [type, sk] = parseStateKey(key);
    out.set(repos.snapshots.internKey(type, sk), repos.events.intern(eventId));
  }
  return out;
}

function setCurrentStateExplicitly(repos: Repositories, roomNid: number, state: StateMap): void {
  const target = toNidState(repos, state);
  repos.currentState.apply(roomNid, diffStates(repos.currentState.loadNids(roomNid), target));
  repos.rooms.setCurrentSnapshot(roomNid, null);
}

/**
 * Current state after the extremities changed: when every forward extremity has the same state
 * after it, that state. Moving from the previous snapshot, we apply only the deltas along the
 * predecessor links when the new snapshot descends from it (the common, linear case).
 */
function deriveCurrentState(repos: Repositories, roomNid: number, roomId: string): void {
  const { extremities, snapshots, rooms, currentState } = repos;
  const states = extremities.forwardStates(roomNid);
  if (states.length === 0) return;
  const distinct = [...new Set(states.map((s) => s.state_after_nid))];
  if (distinct.length > 1) {
    const first = snapshots.loadNids(distinct[0]);
    for (const other of distinct.slice(1)) {
      if (diffStates(first, snapshots.loadNids(other)).size > 0) {
        throw new Error(`persistEvents: the forward extremities of ${roomId} have different states; pass options.currentState (the resolved state)`);
      }
    }
  }
  const target = distinct[0];
  const room = rooms.getByNid(roomNid);
  const from = room ? room.current_snapshot_nid : null;
  if (from === target) return;
  // Predecessor path target → … → from (bounded), applied oldest first.
  const path: number[] = [];
  let cursor = target;
  while (cursor !== null && cursor !== from && path.length < 64) {
    path.push(cursor);
    cursor = snapshots.get(cursor)?.predecessor_nid ?? null;
  }
  if (from !== null && cursor === from) {
    for (const nid of path.reverse()) currentState.apply(roomNid, snapshots.entries(nid));
  } else {
    currentState.apply(roomNid, diffStates(currentState.loadNids(roomNid), snapshots.loadNids(target)));
  }
  rooms.setCurrentSnapshot(roomNid, target);
}
