// createHomeserver's `now` is the clock its storage stamps rows with too: one clock for the whole server.
import { createHomeserver } from '../../src/homeserver';

test('events, rooms and the signing key are stamped with the injected clock', async () => {
  const t = 1_234_567_000;
  const hs = createHomeserver({ dataDir: ':memory:', serverName: 'clock.test', now: () => t });
  try {
    const roomId = await hs.rooms.createRoom({ creator: '@alice:clock.test' });
    const graph = hs.storage.getRoomGraph(roomId)!;
    expect(graph.events.length).toBeGreaterThan(0);
    expect(new Set(graph.events.map((e) => e.receivedTs))).toEqual(new Set([t]));
    expect(hs.storage.signingKeys.all().map((k) => k.createdTs)).toEqual([t]);
  } finally {
    await hs.stop();
  }
});
