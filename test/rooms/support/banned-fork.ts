// Test helper: the events of a public room where bob joined and was then banned (built once,
// deterministic), ingested into any number of fresh RoomServices on real in-memory storage.
import { signingKeyFromSeed } from '../../../src/crypto/signing-key-file';
import { JsonObject } from '../../../src/protocol/json';
import { RoomEvent } from '../../../src/protocol/room-event';
import { RoomService } from '../../../src/rooms/room-service';
import { stateKey, StateMap } from '../../../src/protocol/state-map';
import { openStorage, Storage } from '../../../src/storage';
import { EventFactory, TEST_SEED } from '../../../src/testing/event-factory';

export const SERVER = 'test.local';
export const ALICE = `@alice:${SERVER}`;
export const BOB = `@bob:${SERVER}`;
export const MALLORY = `@mallory:${SERVER}`;

export interface EventFieldsWithState {
  type: string;
  sender: string;
  stateKey?: string;
  content?: JsonObject;
  prevs: RoomEvent[];
  /** The state before the event: its auth events are selected from it. */
  state: StateMap;
}

export interface BannedFork {
  roomId: string;
  /** create, alice's join, power levels, public join rules, bob's join, alice bans bob — in order. */
  base: RoomEvent[];
  /** Bob's join: the fork point, before the ban. */
  fork: RoomEvent;
  ban: RoomEvent;
  /** The state after the fork point (bob joined). */
  stateAtFork: StateMap;
  /** Every event built so far, by ID. */
  byId: Map<string, RoomEvent>;
  build(fields: EventFieldsWithState): RoomEvent;
}

/** The state after `state` plus `event` when it is an accepted state event (as a remote's /state_ids gives it). */
export function withEvent(state: StateMap, event: RoomEvent): StateMap {
  return event.stateKey === undefined ? state : new Map(state).set(stateKey(event.type, event.stateKey), event.eventId);
}

export function bannedFork(version: string): BannedFork {
  const factory = new EventFactory({ roomVersion: version, serverName: SERVER, keyId: 'ed25519:test' });
  const rv = factory.roomVersion;
  const byId = new Map<string, RoomEvent>();
  let roomId: string | undefined = rv.roomIdFromCreateEvent ? undefined : `!forked:${SERVER}`;

  const build = ({ type, sender, stateKey: sk, content, prevs, state }: EventFieldsWithState): RoomEvent => {
    // Auth event selection (server-server API, "Auth events selection"); v12 names the create event by the room ID.
    const wanted = [stateKey('m.room.power_levels', ''), stateKey('m.room.member', sender)];
    if (!rv.roomIdFromCreateEvent) wanted.push(stateKey('m.room.create', ''));
    if (type === 'm.room.member' && content?.membership === 'join') wanted.push(stateKey('m.room.join_rules', ''));
    if (type === 'm.room.member' && sk !== undefined && sk !== sender) wanted.push(stateKey('m.room.member', sk));
    const authEvents = wanted.map((k) => state.get(k)).filter((id): id is string => id !== undefined).map((id) => byId.get(id)!);
    const event = factory.build({ type, sender, stateKey: sk, content: content ?? {}, prevEvents: prevs, authEvents, roomId });
    byId.set(event.eventId, event);
    return event;
  };

  let state: StateMap = new Map();
  const base: RoomEvent[] = [];
  const next = (fields: Omit<EventFieldsWithState, 'prevs' | 'state'>): RoomEvent => {
    const event = build({ ...fields, prevs: base.slice(-1), state });
    roomId = event.roomId;
    state = withEvent(state, event);
    base.push(event);
    return event;
  };
  next({ type: 'm.room.create', sender: ALICE, stateKey: '', content: rv.implicitRoomCreator ? { room_version: version } : { creator: ALICE, room_version: version } });
  next({ type: 'm.room.member', sender: ALICE, stateKey: ALICE, content: { membership: 'join' } });
  // v12 creators hold unlimited power and may not be listed in users.
  next({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: rv.roomIdFromCreateEvent ? {} : { [ALICE]: 100 }, users_default: 0, state_default: 50, events_default: 0, ban: 50 } });
  next({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'public' } });
  const fork = next({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join' } });
  const stateAtFork = state;
  const ban = next({ type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'ban' } });
  return { roomId: roomId as string, base, fork, ban, stateAtFork, byId, build };
}

/** A fresh RoomService on in-memory storage with the base events ingested in order. */
export async function openBannedFork(room: BannedFork): Promise<{ storage: Storage; rooms: RoomService }> {
  const storage = openStorage(':memory:');
  const key = signingKeyFromSeed('test', TEST_SEED);
  let ts = 1_700_000_000_000;
  const rooms = new RoomService({ storage, signer: { serverName: SERVER, signingKey: () => key, now: () => ts++ }, maxPrevEvents: 10 });
  for (const event of room.base) {
    const outcome = await rooms.ingestRemoteEvent(event);
    if (outcome.status !== 'accepted') {
      storage.close();
      throw new Error(`openBannedFork: ${event.type} was ${outcome.status}: ${outcome.reason}`);
    }
  }
  return { storage, rooms };
}
