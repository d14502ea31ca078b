// Restricted rooms, resident side (spec "Restricted rooms"; room versions 8+ and knock_restricted in
// 10+): when a user may join because of membership elsewhere, one of our users with invite power
// vouches for the join through `join_authorised_via_users_server`.
import { namedPowerLevel, powerLevelOf } from '../../auth';
import { isJsonObject } from '../../protocol/json';
import { parseStateKey, stateKey } from '../../protocol/state-map';
import type { FederationContext } from './federation-context';

/** Our joined user who can authorise `userId`'s join, or undefined when none is needed or possible. */
export function restrictedJoinAuthoriser(fed: FederationContext, roomId: string, userId: string): string | undefined {
  const { storage, rooms } = fed;
  const state = storage.getCurrentState(roomId);
  const load = (type: string, key: string) => {
    const id = state.get(stateKey(type, key));
    return id ? storage.getEvent(id)?.event : undefined;
  };
  const joinRules = load('m.room.join_rules', '');
  const rule = joinRules?.content.join_rule;
  const rv = joinRules?.roomVersion;
  if (!rv || !((rule === 'restricted' && rv.restrictedJoinRule) || (rule === 'knock_restricted' && rv.knockRestrictedJoinRule))) return undefined;
  const current = rooms.membershipOf(roomId, userId);
  if (current === 'join' || current === 'invite') return undefined; // no vouching needed
  const allow = Array.isArray(joinRules.content.allow) ? joinRules.content.allow : [];
  const qualifies = allow.some(
    (entry) => isJsonObject(entry) && entry.type === 'm.room_membership' && typeof entry.room_id === 'string' && storage.hasRoom(entry.room_id) && rooms.membershipOf(entry.room_id, userId) === 'join',
  );
  if (!qualifies) return undefined;
  const powerLevels = load('m.room.power_levels', '');
  const create = load('m.room.create', '');
  const inviteLevel = namedPowerLevel('invite', powerLevels, rv);
  for (const [key] of state) {
    const [type, member] = parseStateKey(key);
    if (type !== 'm.room.member' || !member.endsWith(`:${fed.serverName}`)) continue;
    if (rooms.membershipOf(roomId, member) !== 'join') continue;
    if (powerLevelOf(member, powerLevels, create, rv) >= inviteLevel) return member;
  }
  return undefined;
}
