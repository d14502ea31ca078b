// checkEventAuth: an incoming event against its own auth_events — first the checks on the auth_events
// list (rules "Considering the event's auth_events"), then every other rule (auth-rules.ts).
import { RoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { stateKey } from '../protocol/state-map';
import { authEventTypes } from './auth-events-selection';
import { checkAuthRules, createEventIdForRoom } from './auth-rules';
import { AuthOptions, AuthVerdict, reject } from './auth-verdict';
import { checkCreateRules } from './create-rules';

/**
 * `authEvents` is a pool: each ID in `event.auth_events` must be found in it, and other events in it
 * are ignored — except in v12, where the create event is never cited and is looked up in the pool by
 * the room ID instead (MSC4291).
 */
export function checkEventAuth(event: RoomEvent, authEvents: readonly RoomEvent[], roomVersion: string | RoomVersion, options: AuthOptions = {}): AuthVerdict {
  const rv = getRoomVersion(roomVersion);
  if (event.type === 'm.room.create') return checkCreateRules(event, rv);

  const pool = new Map(authEvents.map((e) => [e.eventId, e]));
  const selected = new Set(
    authEventTypes({ type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content }, rv).map(([t, k]) => stateKey(t, k)),
  );
  const state = new Map<string, RoomEvent>();
  for (const id of event.authEventIds) {
    const authEvent = pool.get(id);
    if (!authEvent) return reject(`auth_events: ${id} was not provided`);
    if (authEvent.stateKey === undefined) return reject(`auth_events: ${id} is not a state event`);
    const key = stateKey(authEvent.type, authEvent.stateKey);
    const pair = `(${authEvent.type}, ${JSON.stringify(authEvent.stateKey)})`;
    if (state.has(key)) return reject(`auth_events: duplicate entries for ${pair}`);
    if (!selected.has(key)) return reject(`auth_events: ${pair} is not selected for this event`);
    if (options.rejectedEventIds?.has(id)) return reject(`auth_events: ${id} was rejected`);
    if (authEvent.roomId !== event.roomId) return reject(`auth_events: ${id} is from another room`);
    state.set(key, authEvent);
  }

  const createKey = stateKey('m.room.create', '');
  if (rv.roomIdFromCreateEvent) {
    const create = pool.get(createEventIdForRoom(event.roomId));
    if (!create || create.type !== 'm.room.create') return reject('room: the create event named by room_id was not provided');
    state.set(createKey, create);
  } else if (!state.has(createKey)) {
    return reject('auth_events: no m.room.create event');
  }
  return checkAuthRules(event, state, rv, options);
}
