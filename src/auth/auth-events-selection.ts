// The auth events selection (server-server API "Auth events selection"): which state an event cites.
import { isJsonObject, JsonObject } from '../protocol/json';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { StateMap, stateKey } from '../protocol/state-map';

export interface AuthEventFields {
  type: string;
  sender: string;
  stateKey?: string;
  content: JsonObject;
}

/**
 * The (type, state_key) pairs an event with these fields may cite in `auth_events`, without duplicates:
 * - nothing for the create event;
 * - the create event (not in v12: the room ID implies it, MSC4291), the power levels, the sender's member event;
 * - for m.room.member: the target's member event; the join rules for join, invite and knock (v7+);
 *   for a third-party invite, the m.room.third_party_invite whose state_key is `signed.token`;
 *   for a join with `join_authorised_via_users_server` (v8+), the authoriser's member event.
 */
export function authEventTypes(fields: AuthEventFields, roomVersion: string | RoomVersion): Array<[string, string]> {
  const rv = getRoomVersion(roomVersion);
  if (fields.type === 'm.room.create') return [];
  const pairs: Array<[string, string]> = [];
  const seen = new Set<string>();
  const add = (type: string, key: string): void => {
    const k = stateKey(type, key);
    if (!seen.has(k)) {
      seen.add(k);
      pairs.push([type, key]);
    }
  };
  if (!rv.roomIdFromCreateEvent) add('m.room.create', '');
  add('m.room.power_levels', '');
  add('m.room.member', fields.sender);
  if (fields.type === 'm.room.member' && fields.stateKey !== undefined) {
    const content = fields.content;
    const membership = content.membership;
    add('m.room.member', fields.stateKey);
    if (membership === 'join' || membership === 'invite' || (membership === 'knock' && rv.knockJoinRule)) {
      add('m.room.join_rules', '');
    }
    if (membership === 'invite' && isJsonObject(content.third_party_invite)) {
      const signed = content.third_party_invite.signed;
      if (isJsonObject(signed) && typeof signed.token === 'string') add('m.room.third_party_invite', signed.token);
    }
    // Only for joins (matrix-spec PR #2100 narrowed the selection to membership `join`).
    if (membership === 'join' && rv.restrictedJoinRule && typeof content.join_authorised_via_users_server === 'string') {
      add('m.room.member', content.join_authorised_via_users_server);
    }
  }
  return pairs;
}

/** The auth event IDs for a new event, picked from a state (in selection order; missing entries skipped). */
export function selectAuthEvents(fields: AuthEventFields, state: StateMap, roomVersion: string | RoomVersion): string[] {
  const ids: string[] = [];
  for (const [type, key] of authEventTypes(fields, roomVersion)) {
    const id = state.get(stateKey(type, key));
    if (id !== undefined) ids.push(id);
  }
  return ids;
}
