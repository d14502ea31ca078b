// Learning current state as a light server (MSC4370, calling side): after a join, currentState through
// one server equals that server's own resolved current state, every event verified, and a refresh after
// one new state event fetches that event only — no state download again. The work is bounded.
import { MatrixError } from '../../src/protocol/errors';
import { LightRoomFixture, startLightRoom, stateOf, viewState, waitConverged } from './support/light-fixture';

/** `count` users of A join the (public) room: more events than one /get_missing_events returns. */
async function crowd(f: LightRoomFixture, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const user = `@u${i}:a.test`;
    await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.member', sender: user, stateKey: user, content: { membership: 'join' } });
  }
  await waitConverged([f.a, f.b, f.c], f.roomId);
}

describe.each(['1', '10', '12'])('room version %s', (roomVersion) => {
  let f: LightRoomFixture;
  beforeEach(async () => {
    f = await startLightRoom(roomVersion);
  });
  afterEach(async () => {
    await f.fed.stop();
  });

  test('currentState via A equals A’s current state; a refresh after one new state event is cheap', async () => {
    const { a, b, c, light, roomId } = f;
    const first = await light.currentState(roomId, { via: ['a.test'] });
    expect(first.disagreements).toEqual([]);
    expect(viewState(first)).toEqual(stateOf(a, roomId));
    expect(first.extremities['a.test']).toEqual(a.rooms.prevEventsFor(roomId).map((e) => e.eventId));

    const topic = await a.rooms.sendLocalEvent(roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'fresh' } });
    await waitConverged([a, b, c], roomId);
    const second = await light.currentState(roomId, { via: ['a.test'] });
    expect(viewState(second)).toEqual(stateOf(a, roomId));
    expect(second.stateIds.get(JSON.stringify(['m.room.topic', '']))).toBe(topic.eventId);
    // /extremities, /get_missing_events, /event for the topic: nothing else (the keys are known by now).
    expect(second.stats.requests).toBeLessThanOrEqual(3);
    expect(second.stats.eventsFetched).toBeLessThanOrEqual(2);
    expect(second.disagreements).toEqual([]);
  });

  test('a first learn past a long gap checks /state; the refresh after one state event fetches that event only', async () => {
    const { a, light, roomId } = f;
    await crowd(f, 60);
    const first = await light.currentState(roomId, { via: ['a.test'] });
    expect(Object.values(first.learnt)).toEqual(['claimed']);
    expect(viewState(first)).toEqual(stateOf(a, roomId));
    expect(first.stats.eventsFetched).toBeGreaterThanOrEqual(60);
    expect(first.stats.eventsVerified).toBeGreaterThanOrEqual(60);
    // Most of the state was missing, so it came in one /state, not sixty /event calls.
    expect(first.stats.requests).toBeLessThan(15);

    await a.rooms.sendLocalEvent(roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'one change' } });
    await waitConverged([f.a, f.b, f.c], roomId);
    const refresh = await light.currentState(roomId, { via: ['a.test'] });
    expect(Object.values(refresh.learnt)).toEqual(['derived']);
    expect(viewState(refresh)).toEqual(stateOf(a, roomId));
    expect(refresh.stats.eventsFetched).toBeLessThanOrEqual(2);
    expect(refresh.stats.requests).toBeLessThanOrEqual(3);
    expect(refresh.stats.bytes * 10).toBeLessThan(first.stats.bytes);
  });

  test('a call stops at its event budget with a typed error naming it', async () => {
    await crowd(f, 30);
    const error = await f.light.currentState(f.roomId, { via: ['a.test'], maxEvents: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixError);
    expect((error as MatrixError).extra.disagreements).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'budget', servers: ['a.test'] })]));
    // Nothing half-checked was kept: with the budget back the same call succeeds.
    const view = await f.light.currentState(f.roomId, { via: ['a.test'] });
    expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));
  });
});
