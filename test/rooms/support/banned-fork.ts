// Test helper: a public room on a real RoomService where bob joined and was then banned, plus a
// factory for remote events built on any stored or unstored parents (auth events from a given state).
import { signingKeyFromSeed } from '../../../src/crypto/signing-key-file';
import { RoomEvent } from '../../../src/protocol/room-event';
import { JsonObject } from '../../../src/protocol/json';
import { RoomService } from '../../../src/rooms/room-service';
import { stateKey, StateMap } from '../../../src/state/state-map';
import { openStorage, Storage } from '../../../src/storage';
import { EventFactory, TEST_SEED } from '../../../src/testing/event-factory';

export const SERVER = 'test.local';
export const ALICE = `@alice:${SERVER}`;
export const BOB = `@bob:${SERVER}`;
export const MALLORY = `@mallory:${SERVER}`;

export interface BannedFork {
  storage: Storage;
  rooms: RoomService;
  factory: EventFactory;
  roomId: string;
  /** Bob's join: the fork point, before the ban. */
  fork: RoomEvent;
  /** Alice's ban of bob, the room's only forward extremity. */
  ban: RoomEvent;
  /** Builds an event whose auth events are selected from `state` (the state before it). */
  build(fields: { type: string; sender: string; stateKey?: string; content?: JsonObject; prevs: RoomEvent[]; state: StateMap }): RoomEvent;
}

/** create, alice, power levels, public join rules, …, bob's join (fork), alice bans bob (ban). */
export async function bannedFork(version: string): Promise<BannedFork> {
  const storage = openStorage(':memory:');
  const key = signingKeyFromSeed('test', TEST_SEED);
  let ts = 1_700_000_000_000;
  const rooms = new RoomService({ storage, signer: { serverName: SERVER, signingKey: () => key, now: () => ts++ }, maxPrevEvents: 10 });
  const factory = new EventFactory({ roomVersion: version, serverName: SERVER, keyId: 'ed25519:test', startTs: 1_800_000_000_000 });
  const roomId = await rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'public_chat' });
  const event = (id: string): RoomEvent => storage.getEvent(id)!.event;

  const build: BannedFork['build'] = ({ type, sender, stateKey: sk, content, prevs, state }) => {
    const wanted = [stateKey('m.room.create', ''), stateKey('m.room.power_levels', ''), stateKey('m.room.member', sender)];
    if (type === 'm.room.member' && content?.membership === 'join') wanted.push(stateKey('m.room.join_rules', ''));
    if (factory.roomVersion.roomIdFromCreateEvent) wanted.shift(); // v12: the room ID names the create event
    const authEvents = wanted.map((k) => state.get(k)).filter((id): id is string => id !== undefined).map(event);
    return factory.build({ type, sender, stateKey: sk, content: content ?? {}, prevEvents: prevs, authEvents, roomId });
  };

  const head = event(rooms.prevEventsFor(roomId)[0]!.eventId);
  const fork = build({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join' }, prevs: [head], state: storage.getCurrentState(roomId) });
  const joined = await rooms.ingestRemoteEvent(fork);
  if (joined.status !== 'accepted') throw new Error(`bannedFork: bob's join was ${joined.status}: ${joined.reason}`);
  const ban = await rooms.sendLocalEvent(roomId, { type: 'm.room.member', stateKey: BOB, sender: ALICE, content: { membership: 'ban' } });
  return { storage, rooms, factory, roomId, fork, ban, build };
}

/** The state after `prevState` plus `event` when it is an accepted state event (as a remote's /state_ids gives it). */
export function withEvent(prevState: StateMap, event: RoomEvent): StateMap {
  return event.stateKey === undefined ? prevState : new Map(prevState).set(stateKey(event.type, event.stateKey), event.eventId);
}
