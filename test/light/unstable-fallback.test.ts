// A server that knows MSC4370 only under its unstable prefix (as Synapse served it first): the light
// server falls back to the unstable path, remembers it for that server, and keeps the stable path for
// the others.
import { LightRoomFixture, startLightRoom, stateOf, viewState } from './support/light-fixture';
import { addLyingServer, LyingServer } from './support/lying-server';

let f: LightRoomFixture;
let old: LyingServer;

beforeEach(async () => {
  f = await startLightRoom('10');
  old = await addLyingServer(f);
  // What a server without the stable endpoint answers (server-server API "Unsupported endpoints").
  old.serve(/^GET \/_matrix\/federation\/v1\/extremities\//, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' }, 404);
});
afterEach(async () => {
  old.release();
  await f.fed.stop();
});

test('the unstable path is used where the stable one is unknown, and remembered per server', async () => {
  const first = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  expect(first.extremities['evil.test']).toEqual(first.extremities['a.test']);
  expect(viewState(first)).toEqual(stateOf(f.a, f.roomId));
  const second = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  expect(second.extremities['evil.test']).toEqual(f.a.rooms.prevEventsFor(f.roomId).map((e) => e.eventId));
  expect(second.disagreements).toEqual([]);
  const asked = (prefix: string) => old.requests.filter((r) => r.startsWith(`GET /_matrix/federation/${prefix}/extremities/`)).length;
  expect(asked('v1')).toBe(1);
  expect(asked('unstable/org.matrix.msc4370')).toBe(2);
});
