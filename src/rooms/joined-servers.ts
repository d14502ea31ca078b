// The servers with at least one joined member in a room state: where our events go, and who may
// read the room over federation. States from storage are shared and read-only, so the answer is
// remembered per state object and is forgotten with it (a new current state is a new object).
import { parseUserId } from '../protocol/identifiers';
import { parseStateKey, stateKeyPrefix, StateMap } from '../protocol/state-map';

const MEMBER_KEYS = stateKeyPrefix('m.room.member');
import { isFrozenStateMap, Storage } from '../storage';

const remembered = new WeakMap<StateMap, ReadonlySet<string>>();

export function joinedServersIn(storage: Storage, state: StateMap): ReadonlySet<string> {
  const known = remembered.get(state);
  if (known) return known;
  const servers = new Set<string>();
  for (const [key, eventId] of state) {
    if (!key.startsWith(MEMBER_KEYS)) continue;
    const server = parseUserId(parseStateKey(key)[1])?.serverName;
    if (server && !servers.has(server) && storage.getEvent(eventId)?.event.content.membership === 'join') servers.add(server);
  }
  // Only a read-only state from storage can be remembered: a caller's own map might change later.
  if (isFrozenStateMap(state)) remembered.set(state, servers);
  return servers;
}
