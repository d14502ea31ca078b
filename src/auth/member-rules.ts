// Authorization rule 5 (4 in v8–v11 numbering): m.room.member — join, invite, leave/kick/unban, ban, knock,
// restricted joins via `join_authorised_via_users_server` (room versions 1–12, "Authorization rules").
import { parseUserId } from '../protocol/identifiers';
import { isJsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { RoomVersion } from '../protocol/room-versions';
import { AuthState, createEventOf, joinRuleOf, membershipOf, powerLevelsEventOf } from './auth-state';
import { ALLOW, AuthOptions, AuthVerdict, reject } from './auth-verdict';
import { namedPowerLevel, powerLevelOf } from './power-levels';
import { checkThirdPartyInvite } from './third-party-invite';

/** The default signature check: an entry from the server exists (the caller verified signatures already). */
function hasSignatureEntry(event: RoomEvent, serverName: string): boolean {
  const signatures = (event.pdu as unknown as Record<string, unknown>).signatures;
  const byServer = isJsonObject(signatures) ? signatures[serverName] : undefined;
  return isJsonObject(byServer) && Object.keys(byServer).length > 0;
}

/** Runs the member-event rules; `state` must hold the create event. */
export function checkMemberRules(event: RoomEvent, state: AuthState, rv: RoomVersion, options: AuthOptions = {}): AuthVerdict {
  const target = event.stateKey;
  const membership = event.content.membership;
  // If there is no state_key property, or no membership property in content, reject.
  if (target === undefined) return reject('member: no state_key');
  if (typeof membership !== 'string') return reject('member: content has no membership');

  // v8+: a `join_authorised_via_users_server` must come with a signature from the authoriser's server.
  if (rv.restrictedJoinRule && Object.prototype.hasOwnProperty.call(event.content, 'join_authorised_via_users_server')) {
    const authoriser = event.content.join_authorised_via_users_server;
    const server = parseUserId(authoriser)?.serverName;
    const signedBy = options.isSignedBy ?? hasSignatureEntry;
    if (server === undefined || !signedBy(event, server)) {
      return reject('member: not signed by the server of join_authorised_via_users_server');
    }
  }

  switch (membership) {
    case 'join':
      return checkJoin(event, target, state, rv);
    case 'invite':
      return checkInvite(event, target, state, rv);
    case 'leave':
      return checkLeave(event, target, state, rv);
    case 'ban':
      return checkBan(event, target, state, rv);
    case 'knock':
      if (rv.knockJoinRule) return checkKnock(event, target, state, rv);
      return reject('member: knock is not a membership in this room version');
    default:
      return reject(`member: unknown membership ${JSON.stringify(membership)}`);
  }
}

function levelOf(user: string, state: AuthState, rv: RoomVersion): number {
  return powerLevelOf(user, powerLevelsEventOf(state), createEventOf(state), rv);
}

function checkJoin(event: RoomEvent, target: string, state: AuthState, rv: RoomVersion): AuthVerdict {
  const create = createEventOf(state);
  // The creator's own first join: the only prev_event is the create event and the target is the
  // creator (v1–v10 content.creator; v11+ the create event's sender — in v12 not additional creators).
  if (create && event.prevEventIds.length === 1 && event.prevEventIds[0] === create.eventId) {
    const creator = rv.implicitRoomCreator ? create.sender : create.content.creator;
    if (target === creator) return ALLOW;
  }
  if (event.sender !== target) return reject('join: sender does not match state_key');
  const current = membershipOf(state, target);
  if (current === 'ban') return reject('join: sender is banned');
  const rule = joinRuleOf(state);
  if (rule === 'invite' || (rv.knockJoinRule && rule === 'knock')) {
    if (current === 'invite' || current === 'join') return ALLOW;
    return reject(`join: join_rule is ${rule} and sender is not invited`);
  }
  if ((rv.restrictedJoinRule && rule === 'restricted') || (rv.knockRestrictedJoinRule && rule === 'knock_restricted')) {
    if (current === 'invite' || current === 'join') return ALLOW;
    const authoriser = event.content.join_authorised_via_users_server;
    if (typeof authoriser !== 'string') return reject(`join: join_rule is ${rule} and there is no join_authorised_via_users_server`);
    // The authoriser must be in the room to have any power there (as Synapse and Ruma check).
    if (membershipOf(state, authoriser) !== 'join') return reject('join: join_authorised_via_users_server is not joined');
    if (levelOf(authoriser, state, rv) < namedPowerLevel('invite', powerLevelsEventOf(state), rv)) {
      return reject('join: join_authorised_via_users_server cannot invite');
    }
    return ALLOW;
  }
  if (rule === 'public') return ALLOW;
  return reject(`join: join_rule ${JSON.stringify(rule)} does not allow joining`);
}

function checkInvite(event: RoomEvent, target: string, state: AuthState, rv: RoomVersion): AuthVerdict {
  if (Object.prototype.hasOwnProperty.call(event.content, 'third_party_invite')) return checkThirdPartyInvite(event, target, state);
  if (membershipOf(state, event.sender) !== 'join') return reject('invite: sender is not joined');
  const current = membershipOf(state, target);
  if (current === 'join' || current === 'ban') return reject(`invite: target is ${current === 'join' ? 'joined' : 'banned'}`);
  if (levelOf(event.sender, state, rv) >= namedPowerLevel('invite', powerLevelsEventOf(state), rv)) return ALLOW;
  return reject('invite: sender power level is below the invite level');
}

/** Leave: a user leaving (or rejecting an invite / rescinding a knock), a kick, or an unban. */
function checkLeave(event: RoomEvent, target: string, state: AuthState, rv: RoomVersion): AuthVerdict {
  if (event.sender === target) {
    const current = membershipOf(state, target);
    if (current === 'invite' || current === 'join' || (rv.knockJoinRule && current === 'knock')) return ALLOW;
    return reject(`leave: sender cannot leave from membership ${current}`);
  }
  if (membershipOf(state, event.sender) !== 'join') return reject('leave: sender is not joined');
  const pl = powerLevelsEventOf(state);
  const senderLevel = levelOf(event.sender, state, rv);
  if (membershipOf(state, target) === 'ban' && senderLevel < namedPowerLevel('ban', pl, rv)) {
    return reject('leave: sender power level is below the ban level to unban');
  }
  if (senderLevel >= namedPowerLevel('kick', pl, rv) && levelOf(target, state, rv) < senderLevel) return ALLOW;
  return reject('leave: sender cannot kick the target (kick level, or target power level not below sender)');
}

function checkBan(event: RoomEvent, target: string, state: AuthState, rv: RoomVersion): AuthVerdict {
  if (membershipOf(state, event.sender) !== 'join') return reject('ban: sender is not joined');
  const senderLevel = levelOf(event.sender, state, rv);
  if (senderLevel >= namedPowerLevel('ban', powerLevelsEventOf(state), rv) && levelOf(target, state, rv) < senderLevel) return ALLOW;
  return reject('ban: sender cannot ban the target (ban level, or target power level not below sender)');
}

function checkKnock(event: RoomEvent, target: string, state: AuthState, rv: RoomVersion): AuthVerdict {
  const rule = joinRuleOf(state);
  if (!(rule === 'knock' || (rv.knockRestrictedJoinRule && rule === 'knock_restricted'))) {
    return reject(`knock: join_rule ${JSON.stringify(rule)} does not allow knocking`);
  }
  if (event.sender !== target) return reject('knock: sender does not match state_key');
  const current = membershipOf(state, event.sender);
  if (current === 'ban' || current === 'invite' || current === 'join') return reject(`knock: sender membership is ${current}`);
  return ALLOW;
}
