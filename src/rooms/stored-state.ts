// State questions answered from storage with real state resolution: the state before an event,
// and the room's current state once an event joins the forward extremities.
import { EventIdSet } from '../protocol/event-id-set';
import { RoomEvent } from '../protocol/room-event';
import { RoomVersion } from '../protocol/room-versions';
import { resolveState } from '../state';
import { stateKey, StateMap } from '../protocol/state-map';
import { ExtremityPlan, Storage } from '../storage';

/** Rejected events, answered from storage one ID at a time. */
export function storedRejections(storage: Storage): EventIdSet {
  return { has: (eventId) => storage.getEvent(eventId)?.rejectedReason !== undefined };
}

function sameState(a: StateMap, b: StateMap): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** A state and whether storage could have derived it alone (every input state was the same). */
export interface ResolvedState {
  state: StateMap;
  trivial: boolean;
}

/**
 * Resolves state sets with storage as the event source; identical sets skip resolution entirely.
 * `pending` are events not stored yet (the one being persisted) that the sets may name.
 */
export async function resolveWithStorage(storage: Storage, roomVersion: RoomVersion, sets: StateMap[], pending: readonly RoomEvent[] = []): Promise<ResolvedState> {
  const distinct: StateMap[] = [];
  for (const set of sets) if (!distinct.some((d) => sameState(d, set))) distinct.push(set);
  if (distinct.length === 0) return { state: new Map(), trivial: true };
  if (distinct.length === 1) return { state: distinct[0]!, trivial: true };
  const fetch = (id: string) => storage.getEvent(id)?.event ?? pending.find((e) => e.eventId === id);
  const state = await resolveState(roomVersion, distinct, fetch, {
    // Storage indexes stored events only; a pending event's chain is its auth events and theirs.
    fetchAuthChain: (ids) => {
      const start = ids.flatMap((id) => pending.find((e) => e.eventId === id)?.authEventIds ?? [id]);
      const chain = new Set([...start.filter((id) => !ids.includes(id)), ...storage.getAuthChain(start)]);
      return [...chain];
    },
    rejectedEventIds: storedRejections(storage),
  });
  return { state, trivial: false };
}

/**
 * The state before `event`: the resolution of the state after each of its prev events (server-server
 * API, "Checks performed on receipt of a PDU", step 5). `extraStateSets` carries states learned from
 * other servers (via /state_ids) for prev events we do not hold.
 */
export async function stateBeforeEvent(storage: Storage, event: RoomEvent, extraStateSets: StateMap[] = []): Promise<ResolvedState> {
  const sets = [...extraStateSets];
  let allPrevsStored = true;
  for (const prev of event.prevEventIds) {
    const stored = storage.getEvent(prev);
    if (stored && !stored.outlier) sets.push(storage.getStateAfter(prev));
    else allPrevsStored = false;
  }
  const resolved = await resolveWithStorage(storage, event.roomVersion, sets);
  // Storage derives the state before an event itself only from stored prev events.
  return { state: resolved.state, trivial: resolved.trivial && allPrevsStored && extraStateSets.length === 0 };
}

/** The state after an accepted event: the state before it plus itself when it is a state event. */
export function stateAfterEvent(event: RoomEvent, stateBefore: StateMap, rejected: boolean): StateMap {
  if (event.stateKey === undefined || rejected) return stateBefore;
  return new Map(stateBefore).set(stateKey(event.type, event.stateKey), event.eventId);
}

/**
 * The room's current state once `event` has joined the graph: the resolution of the state after
 * each forward extremity, taken from the plan storage itself will apply (extremity-plan.ts,
 * DESIGN.md §2), so the two can never disagree:
 *
 *     before:  X ← P ← SF          after:  X ← P ← SF ← E      extremities {X?, E} minus P
 *                 ↖ Y                        ↖ Y                (walks back through SF to P)
 *
 * `plan` is storage.planExtremities(event, …); the event's own state after counts only if it joins.
 */
export async function currentStateWith(storage: Storage, event: RoomEvent, plan: ExtremityPlan<string>, eventStateAfter: StateMap): Promise<ResolvedState> {
  const leaving = new Set(plan.forwardLeave);
  const remaining = storage.getForwardExtremities(event.roomId).map((x) => x.eventId).filter((id) => !leaving.has(id));
  const sets = remaining.map((id) => storage.getStateAfter(id));
  if (plan.forwardJoin) sets.push(eventStateAfter);
  return resolveWithStorage(storage, event.roomVersion, sets, [event]);
}
