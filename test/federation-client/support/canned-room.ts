// A small real room (create, join, power levels, message), signed by the canned peer, for realistic answers.
import { JsonObject } from '../../../src/protocol/json';
import { RoomEvent } from '../../../src/protocol/room-event';
import { EventFactory } from '../../../src/testing/event-factory';

export interface CannedRoom {
  roomVersion: string;
  roomId: string;
  alice: string;
  create: RoomEvent;
  join: RoomEvent;
  power: RoomEvent;
  message: RoomEvent;
  factory: EventFactory;
}

export function buildCannedRoom(roomVersion: string, serverName = 'peer.test'): CannedRoom {
  const factory = new EventFactory({ roomVersion, serverName });
  const alice = `@alice:${serverName}`;
  const legacyRoomId = `!canned:${serverName}`;
  // v11 dropped `creator` from the create event's content (the sender is the creator).
  const createContent: JsonObject = Number(roomVersion) >= 11 ? { room_version: roomVersion } : { creator: alice, room_version: roomVersion };
  const create = factory.build({ type: 'm.room.create', stateKey: '', sender: alice, content: createContent, roomId: factory.roomVersion.roomIdFromCreateEvent ? undefined : legacyRoomId });
  const roomId = create.roomId;
  // v12 rooms name the create event through the room ID, not in auth_events (MSC4291).
  const createAuth = factory.roomVersion.roomIdFromCreateEvent ? [] : [create];
  const join = factory.build({ type: 'm.room.member', stateKey: alice, sender: alice, content: { membership: 'join' }, prevEvents: [create], authEvents: createAuth, roomId });
  const power = factory.build({
    type: 'm.room.power_levels',
    stateKey: '',
    sender: alice,
    content: { users: factory.roomVersion.privilegedCreators ? {} : { [alice]: 100 } },
    prevEvents: [join],
    authEvents: [...createAuth, join],
    roomId,
  });
  const message = factory.build({ type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: 'hello' }, prevEvents: [power], authEvents: [...createAuth, join, power], roomId });
  return { roomVersion, roomId, alice, create, join, power, message, factory };
}
