// Conflicting state made on purpose — two concurrent power-level changes, a ban racing a power-level
// change, a topic conflict — on three full servers: the light server's currentState through any one of
// them equals that server's resolved current state, and through all three what each holds once they
// agree. Both ways of learning are covered: derived from the state at the light's join (a refresh), and
// a first learn from /state_ids when the gap is too long to fetch event by event.
import { eventually } from '../../src/testing/eventually';
import type { Homeserver } from '../../src/homeserver';
import type { LocalEventFields } from '../../src/rooms/local-event-builder';
import { grantPower, LightRoomFixture, powerLevels, startLightRoom, stateOf, viewState } from './support/light-fixture';

type Fork = (f: LightRoomFixture) => { onA: LocalEventFields; onB: LocalEventFields };

const withUsers = (f: LightRoomFixture, users: Record<string, number>) => {
  const content = powerLevels(f.a, f.roomId);
  content.users = { ...(content.users as Record<string, number>), ...users };
  return content as never;
};

const forks: Array<[string, Fork]> = [
  [
    'two concurrent power-level changes',
    (f) => ({
      onA: { type: 'm.room.power_levels', sender: '@alice:a.test', stateKey: '', content: withUsers(f, { '@carol:c.test': 50 }) },
      onB: { type: 'm.room.power_levels', sender: '@bob:b.test', stateKey: '', content: withUsers(f, { '@carol:c.test': 20 }) },
    }),
  ],
  [
    'a ban racing a power-level change',
    (f) => ({
      onA: { type: 'm.room.power_levels', sender: '@alice:a.test', stateKey: '', content: withUsers(f, { '@bob:b.test': 0 }) },
      onB: { type: 'm.room.member', sender: '@bob:b.test', stateKey: '@carol:c.test', content: { membership: 'ban' } },
    }),
  ],
  [
    'a topic conflict',
    () => ({
      onA: { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'from a' } },
      onB: { type: 'm.room.topic', sender: '@bob:b.test', stateKey: '', content: { topic: 'from b' } },
    }),
  ],
];

// State resolution by room version: v1 (room v1), v2 (room v10), v2.1 (room v12).
const ways: Array<[string, string, number]> = [
  ['10', 'derived from the join', 0],
  ['10', 'first learnt from /state_ids', 25],
  ['1', 'first learnt from /state_ids', 25],
  ['12', 'first learnt from /state_ids', 25],
];

describe.each(ways)('room version %s, %s', (roomVersion, _way, messagesBefore) => {
  let f: LightRoomFixture;
  beforeEach(async () => {
    f = await startLightRoom(roomVersion);
    // Bob may ban and change power levels (below his own): both sides of each fork are allowed where made.
    await grantPower(f, { '@bob:b.test': 50 }, { 'm.room.power_levels': 50 });
    for (let i = 0; i < messagesBefore; i++) {
      await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { msgtype: 'm.text', body: `m${i}` } });
    }
    await eventually(() => [f.b, f.c].every((s) => JSON.stringify(s.rooms.prevEventsFor(f.roomId)) === JSON.stringify(f.a.rooms.prevEventsFor(f.roomId))), 'messages everywhere', 20_000);
  });
  afterEach(async () => {
    await f.fed.stop();
  });

  test.each(forks)('%s', async (_name, fork) => {
    const { a, b, c, light, roomId } = f;
    const forkPoint = a.rooms.prevEventsFor(roomId).map((e) => e.eventId);
    const { onA, onB } = fork(f);
    const [x, y] = await Promise.all([a.rooms.sendLocalEvent(roomId, onA, { prevEventIds: forkPoint }), b.rooms.sendLocalEvent(roomId, onB, { prevEventIds: forkPoint })]);
    const all: Homeserver[] = [a, b, c];
    await eventually(() => all.every((s) => s.storage.getEvent(x.eventId) && s.storage.getEvent(y.eventId)), 'both sides of the fork everywhere', 20_000);
    await eventually(() => all.every((s) => JSON.stringify(stateOf(s, roomId)) === JSON.stringify(stateOf(a, roomId))), 'the servers agreeing', 20_000);

    for (const [i, server] of all.entries()) {
      const view = await light.currentState(roomId, { via: [server.serverName] });
      // The first call learns the fork tips: from the join's state, or from /state_ids past a long gap.
      if (i === 0) expect(new Set(Object.values(view.learnt))).toEqual(new Set([messagesBefore > 20 ? 'claimed' : 'derived']));
      expect(viewState(view)).toEqual(stateOf(server, roomId));
      expect(view.disagreements.filter((d) => d.kind !== 'extremities-differ')).toEqual([]);
    }
    const union = await light.currentState(roomId, { via: ['a.test', 'b.test', 'c.test'] });
    for (const server of all) expect(viewState(union)).toEqual(stateOf(server, roomId));
    // B names its own side even where the others soft-failed it, so the union holds both fork tips.
    expect(new Set(union.used)).toEqual(new Set([x.eventId, y.eventId]));
  });
});
