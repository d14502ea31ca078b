// The iterative auth checks (spec, room version 2 "Definitions"): replay sorted state events over a state.
import type { EventIdSet } from '../protocol/event-id-set';
import { authEventTypes, checkAuthRules, createEventIdForRoom } from '../auth';
import { RoomEvent } from '../protocol/room-event';
import { EventLoader } from './event-loader';
import { stateKey, StateMap } from '../protocol/state-map';

const CREATE_KEY = stateKey('m.room.create', '');

/** The state keys the auth rules read for `event` (auth events selection), the create event always among them. */
export function authKeysFor(event: RoomEvent): string[] {
  const fields = { type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content };
  const keys = authEventTypes(fields, event.roomVersion).map(([type, key]) => stateKey(type, key));
  return keys.includes(CREATE_KEY) ? keys : [CREATE_KEY, ...keys];
}

/**
 * The events the auth rules see for `event`: its own (non-rejected) auth events, overridden, for every key
 * the auth rules need, by the (non-rejected) event the current `state` holds for that key. From v12 the
 * create event is not among auth events, so it is found from the room ID.
 */
export async function authStateFor(
  event: RoomEvent,
  state: ReadonlyMap<string, string>,
  loader: EventLoader,
  rejected: EventIdSet,
): Promise<Map<string, RoomEvent>> {
  const needed = authKeysFor(event);
  const fromState: string[] = [];
  for (const key of needed) {
    const id = state.get(key);
    if (id !== undefined) fromState.push(id);
  }
  const implicitCreate = event.roomVersion.roomIdFromCreateEvent && event.type !== 'm.room.create' ? createEventIdForRoom(event.roomId) : undefined;
  await loader.load(implicitCreate ? [...event.authEventIds, ...fromState, implicitCreate] : [...event.authEventIds, ...fromState]);
  const authState = new Map<string, RoomEvent>();
  const add = (auth: RoomEvent | undefined): void => {
    if (auth && auth.stateKey !== undefined && !rejected.has(auth.eventId)) authState.set(stateKey(auth.type, auth.stateKey), auth);
  };
  for (const id of event.authEventIds) add(loader.get(id));
  if (implicitCreate) add(loader.get(implicitCreate));
  for (const key of needed) {
    const id = state.get(key);
    if (id !== undefined) add(loader.get(id));
  }
  return authState;
}

/**
 * Applies each event of `sorted`, in order, to a copy of `initial` if the authorization rules allow it
 * against the state built so far (falling back to its auth events for keys the state lacks); an event
 * that is not allowed is skipped. Events rejected earlier are replayed like any other (spec "Rejected
 * events"), but rejected events are never used as auth events.
 */
export async function iterativeAuthChecks(
  loader: EventLoader,
  sorted: readonly string[],
  initial: ReadonlyMap<string, string>,
  rejected: EventIdSet,
): Promise<StateMap> {
  const state: StateMap = new Map(initial);
  for (const id of sorted) {
    const event = await loader.fetch(id);
    if (!event || event.stateKey === undefined) continue;
    const authState = await authStateFor(event, state, loader, rejected);
    const verdict = checkAuthRules(event, authState, event.roomVersion, { rejectedEventIds: rejected });
    if (verdict.allowed) state.set(stateKey(event.type, event.stateKey), id);
  }
  return state;
}
