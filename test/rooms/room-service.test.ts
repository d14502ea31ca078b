// The room service over real SQLite: creating rooms in every version, local events on the extremity
// table, remote forks resolved with real state resolution, rejection and soft-failure.
import { keyPairFromSeed } from '../../src/crypto/ed25519';
import { signingKeyFromSeed } from '../../src/crypto/signing-key-file';
import { ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { RoomEvent } from '../../src/protocol/room-event';
import { RoomService } from '../../src/rooms/room-service';
import { stateKey } from '../../src/protocol/state-map';
import { openStorage, Storage } from '../../src/storage';
import { EventFactory, TEST_SEED } from '../../src/testing/event-factory';

const SERVER = 'test.local';

function makeService(storage: Storage): RoomService {
  const key = signingKeyFromSeed('test', TEST_SEED);
  let ts = 1_700_000_000_000;
  return new RoomService({ storage, signer: { serverName: SERVER, signingKey: () => key, now: () => ts++ }, maxPrevEvents: 10 });
}

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  let storage: Storage;
  let rooms: RoomService;
  beforeEach(() => {
    storage = openStorage(':memory:');
    rooms = makeService(storage);
  });
  afterEach(() => storage.close());

  test('createRoom builds a valid room whose state and extremities check out', async () => {
    const roomId = await rooms.createRoom({ creator: `@alice:${SERVER}`, roomVersion: version, name: 'Test', topic: 'T', invite: [`@bob:${SERVER}`] });
    expect(storage.roomVersionOf(roomId)).toBe(version);
    const state = storage.getCurrentState(roomId);
    for (const type of ['m.room.create', 'm.room.power_levels', 'm.room.join_rules', 'm.room.history_visibility', 'm.room.name', 'm.room.topic']) {
      expect(state.has(stateKey(type, ''))).toBe(true);
    }
    expect(rooms.membershipOf(roomId, `@alice:${SERVER}`)).toBe('join');
    expect(rooms.membershipOf(roomId, `@bob:${SERVER}`)).toBe('invite');
    expect(rooms.joinedServers(roomId)).toEqual([SERVER]);
    const extremities = rooms.prevEventsFor(roomId);
    expect(extremities).toHaveLength(1);
    expect(storage.verifyRoom(roomId)).toEqual({ ok: true, problems: [] });
  });

  test('inviting a user of another server without a co-signer is refused and stores nothing', async () => {
    const roomId = await rooms.createRoom({ creator: `@alice:${SERVER}`, roomVersion: version });
    const before = rooms.prevEventsFor(roomId);
    await expect(
      rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: `@alice:${SERVER}`, stateKey: '@bob:other.example', content: { membership: 'invite' } }),
    ).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(rooms.membershipOf(roomId, '@bob:other.example')).toBe('leave');
    expect(rooms.prevEventsFor(roomId)).toEqual(before);
  });

  test('local messages chain on the single extremity', async () => {
    const roomId = await rooms.createRoom({ creator: `@alice:${SERVER}`, roomVersion: version });
    const first = await rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: `@alice:${SERVER}`, content: { body: '1' } });
    const second = await rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: `@alice:${SERVER}`, content: { body: '2' } });
    expect(second.prevEventIds).toEqual([first.eventId]);
    expect(second.depth).toBe(first.depth + 1);
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([second.eventId]);
  });

  test('a local event the auth rules forbid is refused and not stored', async () => {
    const roomId = await rooms.createRoom({ creator: `@alice:${SERVER}`, roomVersion: version });
    await expect(rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: `@mallory:${SERVER}`, content: { body: 'x' } })).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(rooms.prevEventsFor(roomId)).toHaveLength(1);
    expect(storage.verifyRoom(roomId).ok).toBe(true);
  });
});

describe('remote events', () => {
  const version = '10';
  let storage: Storage;
  let rooms: RoomService;
  let factory: EventFactory;
  let roomId: string;
  let head: RoomEvent;
  const alice = `@alice:${SERVER}`;

  beforeEach(async () => {
    storage = openStorage(':memory:');
    rooms = makeService(storage);
    factory = new EventFactory({ roomVersion: version, serverName: SERVER, keyId: 'ed25519:test' });
    roomId = await rooms.createRoom({ creator: alice, roomVersion: version, preset: 'public_chat' });
    head = storage.getEvent(rooms.prevEventsFor(roomId)[0]!.eventId)!.event;
  });
  afterEach(() => storage.close());

  function authFor(sender: string, extra: string[] = []): string[] {
    const state = storage.getCurrentState(roomId);
    const ids = [state.get(stateKey('m.room.create', ''))!, state.get(stateKey('m.room.power_levels', ''))!, ...extra];
    const member = state.get(stateKey('m.room.member', sender));
    if (member) ids.push(member);
    return ids;
  }

  test('a fork makes two extremities, a merge resolves them, and the topic fork resolves deterministically', async () => {
    const topicA = factory.build({ type: 'm.room.topic', stateKey: '', sender: alice, content: { topic: 'A' }, prevEvents: [head], authEvents: authFor(alice), roomId });
    const topicB = factory.build({ type: 'm.room.topic', stateKey: '', sender: alice, content: { topic: 'B' }, prevEvents: [head], authEvents: authFor(alice), roomId });
    expect((await rooms.ingestRemoteEvent(topicA)).status).toBe('accepted');
    expect((await rooms.ingestRemoteEvent(topicB)).status).toBe('accepted');
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId).sort()).toEqual([topicA.eventId, topicB.eventId].sort());
    const currentTopic = storage.getCurrentState(roomId).get(stateKey('m.room.topic', ''));
    // Same sender power, so mainline position then origin_server_ts then event ID decide: B is later.
    expect(currentTopic).toBe(topicB.eventId);
    const merge = await rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: alice, content: { body: 'merge' } });
    expect([...merge.prevEventIds].sort()).toEqual([topicA.eventId, topicB.eventId].sort());
    expect(storage.getStateBefore(merge.eventId).get(stateKey('m.room.topic', ''))).toBe(topicB.eventId);
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([merge.eventId]);
    expect(storage.verifyRoom(roomId).ok).toBe(true);
  });

  test('an event from a non-member is rejected and never becomes an extremity', async () => {
    const bad = factory.build({ type: 'm.room.message', sender: '@mallory:test.local', content: { body: 'x' }, prevEvents: [head], authEvents: authFor(alice), roomId });
    const outcome = await rooms.ingestRemoteEvent(bad);
    expect(outcome.status).toBe('rejected');
    expect(storage.getEvent(bad.eventId)?.rejectedReason).toBeDefined();
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([head.eventId]);
  });

  test('an event allowed by its past but not by the current state is soft-failed', async () => {
    const bob = '@bob:test.local';
    const join = factory.build({ type: 'm.room.member', stateKey: bob, sender: bob, content: { membership: 'join' }, prevEvents: [head], authEvents: authFor(bob, [storage.getCurrentState(roomId).get(stateKey('m.room.join_rules', ''))!]), roomId });
    expect((await rooms.ingestRemoteEvent(join)).status).toBe('accepted');
    const afterJoin = storage.getEvent(join.eventId)!.event;
    await rooms.sendLocalEvent(roomId, { type: 'm.room.member', stateKey: bob, sender: alice, content: { membership: 'ban' } });
    // Bob's message claims the state right after his join, before the ban.
    const sneaky = factory.build({ type: 'm.room.message', sender: bob, content: { body: 'still here' }, prevEvents: [afterJoin], authEvents: [storage.getCurrentState(roomId).get(stateKey('m.room.create', ''))!, storage.getCurrentState(roomId).get(stateKey('m.room.power_levels', ''))!, join.eventId], roomId });
    const before = rooms.prevEventsFor(roomId).map((e) => e.eventId);
    const outcome = await rooms.ingestRemoteEvent(sneaky);
    expect(outcome.status).toBe('soft-failed');
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual(before);
    expect(storage.verifyRoom(roomId).ok).toBe(true);
  });

  test('the current-state check is skipped only when prev_events are exactly the forward extremities', async () => {
    // Fork after bob's join: a topic on one branch, bob's ban on the other; the current state (the
    // resolution of both) has the ban. A message on the topic branch alone still sees bob joined
    // before it, so only step 6 catches it; one citing both tips sees the ban already in step 5.
    const bob = '@bob:test.local';
    const join = factory.build({ type: 'm.room.member', stateKey: bob, sender: bob, content: { membership: 'join' }, prevEvents: [head], authEvents: authFor(bob, [storage.getCurrentState(roomId).get(stateKey('m.room.join_rules', ''))!]), roomId });
    expect((await rooms.ingestRemoteEvent(join)).status).toBe('accepted');
    const topic = factory.build({ type: 'm.room.topic', stateKey: '', sender: alice, content: { topic: 'fork' }, prevEvents: [join], authEvents: authFor(alice), roomId });
    const ban = factory.build({ type: 'm.room.member', stateKey: bob, sender: alice, content: { membership: 'ban' }, prevEvents: [join], authEvents: authFor(alice, [join.eventId]), roomId });
    expect((await rooms.ingestRemoteEvent(topic)).status).toBe('accepted');
    expect((await rooms.ingestRemoteEvent(ban)).status).toBe('accepted');
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId).sort()).toEqual([topic.eventId, ban.eventId].sort());
    const bobAuth = [storage.getCurrentState(roomId).get(stateKey('m.room.create', ''))!, storage.getCurrentState(roomId).get(stateKey('m.room.power_levels', ''))!, join.eventId];
    const onOneTip = factory.build({ type: 'm.room.message', sender: bob, content: { body: 'one tip' }, prevEvents: [topic], authEvents: bobAuth, roomId });
    expect(await rooms.ingestRemoteEvent(onOneTip)).toMatchObject({ status: 'soft-failed', reason: expect.stringMatching(/^current state: /) });
    const onBothTips = factory.build({ type: 'm.room.message', sender: bob, content: { body: 'both tips' }, prevEvents: [topic, ban], authEvents: bobAuth, roomId });
    expect(await rooms.ingestRemoteEvent(onBothTips)).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^state before the event: /) });
    // And an allowed event on exactly the tips is accepted and becomes the one extremity.
    const merge = factory.build({ type: 'm.room.message', sender: alice, content: { body: 'merge' }, prevEvents: [topic, ban], authEvents: authFor(alice), roomId });
    expect((await rooms.ingestRemoteEvent(merge)).status).toBe('accepted');
    expect(rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([merge.eventId]);
    expect(storage.verifyRoom(roomId).ok).toBe(true);
  });

  test('a duplicate is a no-op', async () => {
    const msg = factory.build({ type: 'm.room.message', sender: alice, content: { body: 'x' }, prevEvents: [head], authEvents: authFor(alice), roomId });
    expect((await rooms.ingestRemoteEvent(msg)).status).toBe('accepted');
    expect((await rooms.ingestRemoteEvent(msg)).status).toBe('duplicate');
  });
});

test('the signing key used by the tests is the spec seed', () => {
  expect(keyPairFromSeed(TEST_SEED).publicKey).toBe('XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI');
});
