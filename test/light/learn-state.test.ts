// Learning current state as a light server (MSC4370, calling side): after a join, currentState through
// one server equals that server's own resolved current state, every event verified, and a refresh after
// one new state event fetches that event only — no state download again.
import { LightRoomFixture, startLightRoom, stateOf, viewState, waitConverged } from './support/light-fixture';

describe.each(['10', '12'])('room version %s', (roomVersion) => {
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
});
