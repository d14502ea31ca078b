// verifyRoom reports every reference a room makes to another room's events: state-snapshot and
// current-state entries, prev edges and auth edges — written here through the storage API itself,
// which takes whatever IDs its caller gives (the intake paths are what keep them out).
import { RoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion } from '../../src/protocol/room-versions';
import { openStorage, Storage } from '../../src/storage';
import { EventFactory } from '../../src/testing/event-factory';
import { ALICE, MinimalRoom, stateOf } from '../storage/support/minimal-room';

/** Another room (create, join, topic) of its own signer and clock, so that in v12 its ID differs too. */
function otherRoom(version: string): { roomId: string; events: RoomEvent[]; join: RoomEvent; topic: RoomEvent } {
  const rv = getRoomVersion(version);
  const f = new EventFactory({ roomVersion: version, serverName: 'other.local', startTs: 1_800_000_000_000 });
  const create = f.build({ type: 'm.room.create', stateKey: '', sender: ALICE, content: rv.implicitRoomCreator ? { room_version: version } : { creator: ALICE, room_version: version }, ...(rv.roomIdFromCreateEvent ? {} : { roomId: '!other:other.local' }) });
  const auth = (events: RoomEvent[]) => (rv.roomIdFromCreateEvent ? events : [create, ...events]);
  const join = f.build({ type: 'm.room.member', stateKey: ALICE, sender: ALICE, content: { membership: 'join' }, prevEvents: [create], authEvents: auth([]), roomId: create.roomId });
  const topic = f.build({ type: 'm.room.topic', stateKey: '', sender: ALICE, content: { topic: 'secret' }, prevEvents: [join], authEvents: auth([join]), roomId: create.roomId });
  return { roomId: create.roomId, events: [create, join, topic], join, topic };
}

describe.each(['10', '12'])('room version %s', (version) => {
  let s: Storage;
  let a: MinimalRoom;
  let b: ReturnType<typeof otherRoom>;

  beforeEach(() => {
    s = openStorage(':memory:');
    a = new MinimalRoom(version);
    b = otherRoom(version);
    s.persistEvents([{ event: a.create }, { event: a.join }]);
    s.persistEvents(b.events.map((event) => ({ event })));
  });
  afterEach(() => s.close());

  test('two rooms of their own events verify clean', () => {
    s.persistEvents([{ event: a.message([a.join]) }]);
    expect(s.verifyRoom(a.roomId).problems).toEqual([]);
    expect(s.verifyRoom(b.roomId).problems).toEqual([]);
  });

  test('a state entry naming an event of another room is reported, in the snapshot and the current state', () => {
    const topicB = b.topic;
    const message = a.message([a.join]);
    s.persistEvents([{ event: message, stateBefore: stateOf(a.create, a.join, topicB) }]);
    const problems = s.verifyRoom(a.roomId).problems;
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^snapshot \\d+ holds ${escape(topicB.eventId)}, an event of another room$`)), `current state holds ${topicB.eventId}, an event of another room`]));
    expect(s.verifyRoom(b.roomId).problems).toEqual([]);
  });

  test('prev and auth edges to an event of another room are reported', () => {
    const topicB = b.topic;
    const auth = version === '12' ? [a.join, b.join] : [a.create, a.join, b.join];
    const crossing = a.factory.build({ type: 'm.room.message', sender: a.join.sender, content: { body: 'x' }, prevEvents: [a.join, topicB], authEvents: auth, roomId: a.roomId });
    s.persistEvents([{ event: crossing, stateBefore: stateOf(a.create, a.join) }]);
    const problems = s.verifyRoom(a.roomId).problems;
    expect(problems).toContain(`prev edge ${crossing.eventId} → ${topicB.eventId}: the parent is an event of another room`);
    expect(problems).toContain(`auth edge ${crossing.eventId} → ${b.join.eventId}: the auth event is an event of another room`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
