// EventFactory's v1/v2 event IDs (assigned by the sender) depend on its idSeed and options only, never on how many factories came before.
import { EventFactory } from '../../src/testing';
import { RoomEvent } from '../../src/protocol/room-event';

const ALICE = '@alice:test.local';

/** The same short room built by one factory: create, join, two messages; returns their event IDs. */
function buildRoom(factory: EventFactory, roomId = '!ids:test.local'): string[] {
  const create = factory.build({ type: 'm.room.create', stateKey: '', sender: ALICE, content: { creator: ALICE, room_version: factory.roomVersion.id }, roomId });
  const join = factory.build({ type: 'm.room.member', stateKey: ALICE, sender: ALICE, content: { membership: 'join' }, prevEvents: [create], authEvents: [create], roomId });
  const events: RoomEvent[] = [create, join];
  for (const body of ['one', 'two']) events.push(factory.build({ type: 'm.room.message', sender: ALICE, content: { body }, prevEvents: [events.at(-1)!], authEvents: [create, join], roomId }));
  return events.map((e) => e.eventId);
}

describe.each(['1', '2'])('room version %s', (version) => {
  test('two factories with the same idSeed give the same IDs, however many factories were made in between', () => {
    const first = buildRoom(new EventFactory({ roomVersion: version, idSeed: 'same' }));
    for (let i = 0; i < 5; i++) buildRoom(new EventFactory({ roomVersion: version }));
    const second = buildRoom(new EventFactory({ roomVersion: version, idSeed: 'same' }));
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    // The default seed is a seed like any other: deterministic too.
    expect(buildRoom(new EventFactory({ roomVersion: version }))).toEqual(buildRoom(new EventFactory({ roomVersion: version })));
  });

  test('different idSeeds give different IDs', () => {
    const a = buildRoom(new EventFactory({ roomVersion: version, idSeed: 'a' }));
    const b = buildRoom(new EventFactory({ roomVersion: version, idSeed: 'b' }));
    expect(a.filter((id) => b.includes(id))).toEqual([]);
  });

  test('one seed, two rooms on one server name (or two signing keys in one room): no shared ID', () => {
    const roomA = buildRoom(new EventFactory({ roomVersion: version }), '!a:test.local');
    const roomB = buildRoom(new EventFactory({ roomVersion: version }), '!b:test.local');
    expect(roomA.filter((id) => roomB.includes(id))).toEqual([]);
    const otherKey = buildRoom(new EventFactory({ roomVersion: version, seed: 'A'.repeat(43) }), '!a:test.local');
    expect(roomA.filter((id) => otherKey.includes(id))).toEqual([]);
  });

  test('the IDs have the v1 shape: $opaque:server_name of the signing server', () => {
    for (const id of buildRoom(new EventFactory({ roomVersion: version, serverName: 'ids.test' }))) expect(id).toMatch(/^\$[^:]+:ids\.test$/);
  });
});

test('from room version 3 the event ID is the reference hash: the idSeed plays no part', () => {
  const a = buildRoom(new EventFactory({ roomVersion: '10', idSeed: 'a' }));
  const b = buildRoom(new EventFactory({ roomVersion: '10', idSeed: 'b' }));
  expect(b).toEqual(a);
});
