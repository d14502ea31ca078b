// Authorization rule 1: the m.room.create event (room versions 1–12, "Authorization rules").
import { parseRoomId, parseUserId } from '../protocol/identifiers';
import { RoomEvent } from '../protocol/room-event';
import { roomVersions, RoomVersion } from '../protocol/room-versions';
import { ALLOW, AuthVerdict, reject } from './auth-verdict';

/** The create event's own checks; it has no auth events and no state to check against. */
export function checkCreateRules(event: RoomEvent, rv: RoomVersion): AuthVerdict {
  // 1.1 If it has any prev_events, reject.
  if (event.prevEventIds.length > 0) return reject('create: has prev_events');
  if (rv.roomIdFromCreateEvent) {
    // v12 1.2: the room ID is derived from the create event, so the event must not carry one.
    if (Object.prototype.hasOwnProperty.call(event.pdu, 'room_id')) return reject('create: has a room_id (v12 derives it from the event)');
  } else {
    // v1–v11 1.2: the domain of the room_id must match the domain of the sender.
    const roomServer = parseRoomId(event.roomId)?.serverName;
    const senderServer = parseUserId(event.sender)?.serverName;
    if (roomServer === undefined || roomServer !== senderServer) return reject('create: room_id domain does not match sender domain');
  }
  // 1.3 If content.room_version is present and is not a recognised version, reject.
  const version = event.content.room_version;
  if (version !== undefined && !(typeof version === 'string' && Object.prototype.hasOwnProperty.call(roomVersions, version))) {
    return reject('create: unrecognised room_version');
  }
  // v1–v10 1.4: content must have a creator (v11 made the sender the creator, MSC2175).
  if (!rv.implicitRoomCreator && !Object.prototype.hasOwnProperty.call(event.content, 'creator')) {
    return reject('create: content has no creator');
  }
  // v12 1.4: additional_creators, when present, must be an array of valid user IDs (MSC4289).
  if (rv.privilegedCreators && Object.prototype.hasOwnProperty.call(event.content, 'additional_creators')) {
    const extra = event.content.additional_creators;
    if (!Array.isArray(extra) || !extra.every((user) => parseUserId(user) !== undefined)) {
      return reject('create: additional_creators is not an array of user IDs');
    }
  }
  return ALLOW;
}
