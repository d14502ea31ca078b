// TestRoom: builds a real room (signed events, auth events chosen by selectAuthEvents) for auth-rule tests.
import { AuthOptions, AuthVerdict, checkEventAuth, selectAuthEvents } from '../../../src/auth';
import { keyPairFromSeed } from '../../../src/crypto/ed25519';
import { signEvent } from '../../../src/crypto/event-signing';
import { JsonObject } from '../../../src/protocol/json';
import { Pdu } from '../../../src/protocol/pdu';
import { RoomEvent, toRoomEvent } from '../../../src/protocol/room-event';
import { getRoomVersion, RoomVersion } from '../../../src/protocol/room-versions';
import { StateMap, stateKey } from '../../../src/protocol/state-map';
import { EventFactory } from '../../../src/testing/event-factory';

export const ALICE = '@alice:test.local';
export const BOB = '@bob:test.local';
export const CAROL = '@carol:test.local';
export const DAVE = '@dave:test.local';
export const REMOTE = '@rita:remote.example';

export interface RoomSetup {
  /** Extra content for the create event. */
  createContent?: JsonObject;
  /** The power-levels content (default: alice 100, others default); null for no power-levels event. */
  powerLevels?: JsonObject | null;
  /** The join rule (default public); null for no join-rules event. */
  joinRule?: string | null;
  /** The room ID before v12 (default `!room:test.local`). */
  roomId?: string;
}

export interface BuildFields {
  type: string;
  sender: string;
  stateKey?: string;
  content?: JsonObject;
  /** Override the selected auth events. */
  authEvents?: RoomEvent[];
  prevEvents?: RoomEvent[];
  redacts?: string;
  extra?: Record<string, unknown>;
}

/** The default power levels: alice 100 before v12, where she is the creator and may not be listed. */
export function defaultPowerLevels(rv: RoomVersion): JsonObject {
  return {
    users: rv.privilegedCreators ? {} : { [ALICE]: 100 },
    users_default: 0,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    events: {},
  };
}

export class TestRoom {
  readonly rv: RoomVersion;
  readonly factory: EventFactory;
  readonly state = new Map<string, RoomEvent>();
  readonly events = new Map<string, RoomEvent>();
  roomId = '!room:test.local';
  create!: RoomEvent;
  last!: RoomEvent;

  constructor(version: string) {
    this.rv = getRoomVersion(version);
    this.factory = new EventFactory({ roomVersion: version });
  }

  /** create, alice's join, power levels and join rules, each checked and applied. */
  static start(version: string, setup: RoomSetup = {}): TestRoom {
    const room = new TestRoom(version);
    if (setup.roomId) room.roomId = setup.roomId;
    const createContent: JsonObject = { room_version: version, ...(room.rv.implicitRoomCreator ? {} : { creator: ALICE }), ...(setup.createContent ?? {}) };
    const create = room.factory.build({ type: 'm.room.create', sender: ALICE, stateKey: '', content: createContent, roomId: room.rv.roomIdFromCreateEvent ? undefined : room.roomId });
    room.roomId = create.roomId;
    room.create = create;
    room.apply(create);
    room.send({ type: 'm.room.member', sender: ALICE, stateKey: ALICE, content: { membership: 'join' } });
    if (setup.powerLevels !== null) room.send({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: setup.powerLevels ?? defaultPowerLevels(room.rv) });
    if (setup.joinRule !== null) room.send({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: setup.joinRule ?? 'public' } });
    return room;
  }

  /** The current state as event IDs. */
  stateMap(): StateMap {
    return new Map([...this.state].map(([k, e]) => [k, e.eventId]));
  }

  build(fields: BuildFields): RoomEvent {
    const content = fields.content ?? {};
    const authIds = selectAuthEvents({ type: fields.type, sender: fields.sender, stateKey: fields.stateKey, content }, this.stateMap(), this.rv);
    const authEvents = fields.authEvents ?? authIds.map((id) => this.events.get(id)!);
    return this.factory.build({
      type: fields.type,
      sender: fields.sender,
      stateKey: fields.stateKey,
      content,
      roomId: this.roomId,
      prevEvents: fields.prevEvents ?? [this.last],
      authEvents,
      redacts: fields.redacts,
      extra: fields.extra,
    });
  }

  /** checkEventAuth with every event of the room as the pool. */
  check(event: RoomEvent, options?: AuthOptions): AuthVerdict {
    return checkEventAuth(event, [...this.events.values()], this.rv, options);
  }

  apply(event: RoomEvent): RoomEvent {
    this.events.set(event.eventId, event);
    if (event.stateKey !== undefined) this.state.set(stateKey(event.type, event.stateKey), event);
    this.last = event;
    return event;
  }

  /** Builds, checks (must be allowed) and applies. */
  send(fields: BuildFields): RoomEvent {
    const event = this.build(fields);
    const verdict = this.check(event);
    if (!verdict.allowed) throw new Error(`setup event ${fields.type} ${fields.stateKey ?? ''} rejected: ${verdict.reason}`);
    return this.apply(event);
  }

  /** Builds and checks without applying. */
  try(fields: BuildFields, options?: AuthOptions): AuthVerdict {
    return this.check(this.build(fields), options);
  }

  join(user: string): RoomEvent {
    return this.send({ type: 'm.room.member', sender: user, stateKey: user, content: { membership: 'join' } });
  }

  setMembership(sender: string, target: string, membership: string, extra: JsonObject = {}): RoomEvent {
    return this.send({ type: 'm.room.member', sender, stateKey: target, content: { membership, ...extra } });
  }
}

/** Adds a second server's signature to an event (e.g. the authorising server of a restricted join). */
export function coSign(event: RoomEvent, serverName: string, seed: string): RoomEvent {
  const signed = signEvent(event.pdu as unknown as Record<string, unknown>, event.roomVersion, serverName, 'ed25519:other', seed);
  const merged = { ...signed, signatures: { ...event.pdu.signatures, ...(signed.signatures as Record<string, Record<string, string>>) } };
  return toRoomEvent(merged as unknown as Pdu, event.roomVersion);
}

export const OTHER_SEED = 'b2RkIHNlZWQgZm9yIHRoZSBvdGhlciBzZXJ2ZXIgISE';
export const OTHER_PUBLIC_KEY = keyPairFromSeed(OTHER_SEED).publicKey;
