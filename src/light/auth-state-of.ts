// The part of a room state that the auth rules read for one event, as events: the auth events selection
// (server-server API "Auth events selection") plus the create event, looked up in a verified state.
import { authEventTypes } from '../auth/auth-events-selection';
import type { RoomEvent } from '../protocol/room-event';
import { StateMap, stateKey } from '../protocol/state-map';
import type { VerifiedEvents } from './verified-events';

/** Events of `state` that `event`'s auth check may consult; entries the cache lacks are left out. */
export function authStateOf(event: Pick<RoomEvent, 'type' | 'sender' | 'stateKey' | 'content' | 'roomVersion'>, state: StateMap, cache: VerifiedEvents): Map<string, RoomEvent> {
  const keys = authEventTypes({ type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content }, event.roomVersion).map(([t, k]) => stateKey(t, k));
  keys.push(stateKey('m.room.create', ''));
  const result = new Map<string, RoomEvent>();
  for (const key of keys) {
    const id = state.get(key);
    const cached = id === undefined ? undefined : cache.get(id);
    if (cached) result.set(key, cached.event);
  }
  return result;
}
