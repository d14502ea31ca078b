// The ingest pipeline: from a checked event to a persisted one with its flags — auth against its own
// auth events, against the state before it, and soft-fail against the current state.
import { checkAuthRules, checkEventAuth, selectAuthEvents, createEventIdForRoom } from '../auth';
import { RoomEvent } from '../protocol/room-event';
import { stateKey, StateMap } from '../protocol/state-map';
import { changesForward, Storage } from '../storage';
import { currentStateWith, stateAfterEvent, stateBeforeEvent, storedRejections } from './stored-state';

export type IngestStatus = 'accepted' | 'soft-failed' | 'rejected' | 'duplicate';

export interface IngestOutcome {
  eventId: string;
  status: IngestStatus;
  /** Why an event was rejected or soft-failed, naming the auth rule. */
  reason?: string;
}

/** The stored auth events an event cites, plus (v12) the create event its room ID names. */
function authEventPool(storage: Storage, event: RoomEvent): RoomEvent[] {
  const ids = [...event.authEventIds];
  if (event.roomVersion.roomIdFromCreateEvent && event.type !== 'm.room.create') ids.push(createEventIdForRoom(event.roomId));
  return storage.getEvents(ids).map((s) => s.event);
}

/** The auth state for `event` drawn from a room state: the selected auth events plus the create event. */
export function authStateFrom(storage: Storage, event: RoomEvent, state: StateMap): Map<string, RoomEvent> {
  const fields = { type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content };
  const ids = selectAuthEvents(fields, state, event.roomVersion);
  const createId = state.get(stateKey('m.room.create', ''));
  if (createId !== undefined) ids.push(createId);
  const authState = new Map<string, RoomEvent>();
  for (const stored of storage.getEvents(ids)) {
    if (stored.event.stateKey !== undefined) authState.set(stateKey(stored.event.type, stored.event.stateKey), stored.event);
  }
  return authState;
}

/** True when the event's prev_events are the room's forward extremities, no more and no fewer. */
function prevsAreForwardExtremities(storage: Storage, event: RoomEvent): boolean {
  const prevs = new Set(event.prevEventIds);
  if (prevs.size === 0) return false;
  const forward = storage.getForwardExtremities(event.roomId);
  return forward.length === prevs.size && forward.every((x) => prevs.has(x.eventId));
}

/**
 * Runs checks 4–6 of "Checks performed on receipt of a PDU" and persists the event with the result,
 * in one storage transaction. The caller holds the room's lock and has already fetched what it could
 * (auth events as outliers, missing prev events, `extraStateSets` for prev events still missing), so
 * nothing here waits on the network.
 *
 *  4. Auth against the event's own auth_events (all must be stored and none rejected) → else rejected.
 *  5. Auth against the state before the event, resolved across its prev_events → else rejected.
 *  6. Auth against the room's current state → else soft-failed: stored with its state, but it never
 *     becomes a forward extremity and never changes the current state.
 * An accepted event's state is applied to the current state, resolved across the new extremities.
 */
export async function authorizeAndPersist(storage: Storage, event: RoomEvent, extraStateSets: StateMap[] = []): Promise<IngestOutcome> {
  const existing = storage.getEvent(event.eventId);
  if (existing && !existing.outlier) return { eventId: event.eventId, status: 'duplicate' };
  const rv = event.roomVersion;
  const rejections = storedRejections(storage);

  let rejectedReason: string | undefined;
  const own = checkEventAuth(event, authEventPool(storage, event), rv, { rejectedEventIds: rejections });
  if (!own.allowed) rejectedReason = own.reason;

  const before = await stateBeforeEvent(storage, event, extraStateSets);
  const stateBefore = before.state;
  if (rejectedReason === undefined && event.type !== 'm.room.create') {
    const verdict = checkAuthRules(event, authStateFrom(storage, event, stateBefore), rv, { rejectedEventIds: rejections });
    if (!verdict.allowed) rejectedReason = `state before the event: ${verdict.reason}`;
  }

  let softFailReason: string | undefined;
  // Step 6 judges the event against the current state, which is the resolution of the states after
  // the forward extremities (DESIGN §2). When its prev_events are exactly those extremities — every
  // event we send or receive in order — step 5 resolved those very states, so the current state is
  // the state before the event and step 5's verdict is step 6's: nothing new to check.
  //
  //     X ← A ← B        extremities {B}; E's prevs {B}: current state = state after B = before E
  //               ↖ E
  const sameAsBefore = extraStateSets.length === 0 && prevsAreForwardExtremities(storage, event);
  if (rejectedReason === undefined && event.type !== 'm.room.create' && !sameAsBefore) {
    // A room whose only events so far are outliers (we are joining it) has no current state to check.
    const currentState = storage.hasRoom(event.roomId) ? storage.getCurrentState(event.roomId) : new Map<string, string>();
    if (currentState.size > 0) {
      const current = checkAuthRules(event, authStateFrom(storage, event, currentState), rv, { rejectedEventIds: rejections });
      if (!current.allowed) softFailReason = `current state: ${current.reason}`;
    }
  }

  // The current state changes whenever the forward set does: an accepted event joins it, and a bad
  // event that a stored normal child reaches (it arrived late) still takes its parents out of it.
  // Storage applies this same plan in the transaction below.
  const accepted = rejectedReason === undefined && softFailReason === undefined;
  const plan = storage.planExtremities(event, accepted);
  const current = changesForward(plan) ? await currentStateWith(storage, event, plan, stateAfterEvent(event, stateBefore, false)) : undefined;
  // Hand storage a state only where it cannot derive it (a real resolution happened): passing a
  // large room's whole state for every message would cost a lookup per member per event.
  storage.persistEvents(
    [{ event, stateBefore: before.trivial ? undefined : stateBefore, rejectedReason, softFailed: softFailReason !== undefined }],
    current && !current.trivial ? { currentState: new Map([[event.roomId, current.state]]) } : {},
  );
  if (rejectedReason !== undefined) return { eventId: event.eventId, status: 'rejected', reason: rejectedReason };
  if (softFailReason !== undefined) return { eventId: event.eventId, status: 'soft-failed', reason: softFailReason };
  return { eventId: event.eventId, status: 'accepted' };
}
