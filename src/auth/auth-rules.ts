// The authorization rules, in the spec's order, for room versions 1–12 ("Room Versions" → each version's
// "Authorization rules"), against a state given as events. State resolution calls this for its
// iterative auth checks; checkEventAuth (event-auth.ts) calls it with the event's own auth events.
import { parseEventId, serverOfUser } from '../protocol/identifiers';
import { RoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { AuthState, createEventOf, membershipOf, powerLevelsEventOf } from './auth-state';
import { ALLOW, AuthOptions, AuthVerdict, catchRejection, reject } from './auth-verdict';
import { checkCreateRules } from './create-rules';
import { checkMemberRules } from './member-rules';
import { namedPowerLevel, powerLevelOf, requiredPowerForEvent } from './power-levels';
import { checkPowerLevelsRules } from './power-levels-rules';

/** The server part of a user ID, or undefined when it is not one (such a sender fails every comparison). */
function serverOf(userId: string): string | undefined {
  try {
    return serverOfUser(userId);
  } catch {
    return undefined;
  }
}

/** The event ID a v12 room ID stands for: the create event's, with `$` for `!` (MSC4291). */
export function createEventIdForRoom(roomId: string): string {
  return `$${roomId.slice(1)}`;
}

/**
 * Checks `event` against `authState` (events keyed by stateKey(type, state_key), the create event
 * included in every version). Does not check the auth_events list itself; see checkEventAuth.
 */
export function checkAuthRules(event: RoomEvent, authState: ReadonlyMap<string, RoomEvent>, roomVersion: string | RoomVersion, options: AuthOptions = {}): AuthVerdict {
  const rv = getRoomVersion(roomVersion);
  return catchRejection(() => runRules(event, authState, rv, options));
}

function runRules(event: RoomEvent, state: AuthState, rv: RoomVersion, options: AuthOptions): AuthVerdict {
  // 1. The create event has rules of its own and nothing before it.
  if (event.type === 'm.room.create') return checkCreateRules(event, rv);

  const create = createEventOf(state);
  if (rv.roomIdFromCreateEvent) {
    // v12 rule 2: the room ID must name an accepted create event.
    if (!create) return reject('room: no create event for the room');
    if (create.eventId !== createEventIdForRoom(event.roomId)) return reject('room: room_id is not the ID of the create event');
    if (options.rejectedEventIds?.has(create.eventId)) return reject('room: the create event was rejected');
  } else {
    // v1–v11 rule 2.4: there must be an m.room.create event among the auth events.
    if (!create) return reject('auth_events: no m.room.create event');
    if (create.roomId !== event.roomId) return reject('auth_events: the m.room.create event is from another room');
  }

  // m.federate: a room created unfederated only accepts senders from the creator's server.
  if (create.content['m.federate'] === false && serverOf(event.sender) !== serverOf(create.sender)) {
    return reject('federate: room is not federated and sender is from another server');
  }

  // v1–v5: m.room.aliases is allowed when the state_key is the sender's server, whatever else holds.
  if (rv.specialCaseAliasesAuth && event.type === 'm.room.aliases') {
    if (event.stateKey === undefined) return reject('aliases: no state_key');
    if (event.stateKey !== serverOf(event.sender)) return reject("aliases: state_key is not the sender's server");
    return ALLOW;
  }

  if (event.type === 'm.room.member') return checkMemberRules(event, state, rv, options);

  // If the sender's current membership state is not join, reject.
  if (membershipOf(state, event.sender) !== 'join') return reject('sender: not joined to the room');

  const pl = powerLevelsEventOf(state);
  const senderLevel = powerLevelOf(event.sender, pl, create, rv);

  // m.room.third_party_invite: allowed if and only if the sender may invite.
  if (event.type === 'm.room.third_party_invite') {
    if (senderLevel >= namedPowerLevel('invite', pl, rv)) return ALLOW;
    return reject('third_party_invite: sender power level is below the invite level');
  }

  // If the event type's required power level is greater than the sender's power level, reject.
  const required = requiredPowerForEvent(event.type, event.stateKey, pl, rv);
  if (required > senderLevel) return reject(`power: ${event.type} needs power level ${required}, sender has ${senderLevel}`);

  // A state_key that looks like a user ID belongs to that user.
  if (event.stateKey !== undefined && event.stateKey.startsWith('@') && event.stateKey !== event.sender) {
    return reject("state_key: starts with @ and is not the sender's user ID");
  }

  if (event.type === 'm.room.power_levels') return checkPowerLevelsRules(event, pl, create, senderLevel, rv);

  // v1–v2: redactions are authorised here (from v3 only when applied; "Handling redactions"). Only these
  // versions have event IDs with a domain, which the rule compares, so the ID format identifies them.
  if (rv.eventIdFormat === 'server-assigned' && event.type === 'm.room.redaction') {
    if (senderLevel >= namedPowerLevel('redact', pl, rv)) return ALLOW;
    const redactedServer = parseEventId(event.redacts)?.serverName;
    if (redactedServer !== undefined && redactedServer === parseEventId(event.eventId)?.serverName) return ALLOW;
    return reject('redaction: sender is below the redact level and the redacted event is from another server');
  }

  return ALLOW;
}
