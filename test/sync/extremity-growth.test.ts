// Extremity growth control: a room pushed to 200 forward extremities comes back to at most 10 with at
// most 11 dummy events; a room where none of our users is joined is left alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHomeserver, Homeserver, HomeserverOptions } from '../../src/homeserver';
import { DUMMY_EVENT_TYPE } from '../../src/federation/sync/extremity-growth';
import { eventually } from '../../src/testing';

let dir: string;
let hs: Homeserver | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-growth-'));
});

afterEach(async () => {
  await hs?.stop();
  hs = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: HomeserverOptions): Promise<Homeserver> {
  hs = createHomeserver({ serverName: 'a.test', dataDir: dir, logLevel: (process.env.LOG as 'info') ?? 'silent', rateLimit: false, antiEntropyIntervalSeconds: 0, ...options });
  await hs.start({ port: 0 });
  return hs;
}

/** A room with `n` sibling messages on alice's join: `n` forward extremities. */
async function forkedRoom(server: Homeserver, n: number): Promise<string> {
  const roomId = await server.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  const base = server.storage.getForwardExtremities(roomId)[0]!.eventId;
  for (let i = 0; i < n; i++) await server.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: `fork ${i}` } }, { prevEventIds: [base] });
  return roomId;
}

const dummies = (server: Homeserver, roomId: string) => (server.storage.getRoomGraph(roomId)?.events ?? []).filter((e) => server.storage.getEvent(e.eventId)?.event.type === DUMMY_EVENT_TYPE).length;

test('200 forward extremities come back to at most 10 within 11 dummy events; a room without a joined user of ours is left alone', async () => {
  // Built with the limit out of reach, then the server restarts with the default limit of 10.
  let server = await start({ maxForwardExtremities: 1_000_000 });
  const busy = await forkedRoom(server, 200);
  const deserted = await forkedRoom(server, 200);
  const oneFork = server.storage.getForwardExtremities(deserted)[0]!.eventId;
  await server.rooms.sendLocalEvent(deserted, { type: 'm.room.member', sender: '@alice:a.test', stateKey: '@alice:a.test', content: { membership: 'leave' } }, { prevEventIds: [oneFork] });
  expect(server.storage.getForwardExtremities(busy)).toHaveLength(200);
  expect(server.storage.getForwardExtremities(deserted)).toHaveLength(200);
  await server.stop();

  server = await start({ dummyEventMinIntervalMs: 20 });
  expect(server.config.maxForwardExtremities).toBe(10);
  await eventually(() => server.storage.getForwardExtremities(busy).length <= 10, 'the busy room merged down to 10', 20_000);
  expect(dummies(server, busy)).toBeLessThanOrEqual(11);
  expect(dummies(server, busy)).toBeGreaterThan(0);
  expect(server.metrics.dummyEvents.value()).toBe(dummies(server, busy));
  // Several intervals later nothing was sent in the room nobody of ours can send in.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(dummies(server, deserted)).toBe(0);
  expect(server.storage.getForwardExtremities(deserted)).toHaveLength(200);
  expect(server.storage.verifyRoom(busy).problems).toEqual([]);
  // Steady state: /extremities (capped at maxPrevEvents) is now the complete set.
  expect(server.rooms.prevEventsFor(busy).length).toBe(server.storage.getForwardExtremities(busy).length);
});
