// Three dagmar servers in one process: A creates a room, B and C join over federation, all three send,
// and every server ends with the same events, current state and /extremities answer — including C after
// it was stopped (its database on disk) and restarted while the others went on talking.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHomeserver, Homeserver } from '../../src/homeserver';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { eventually } from '../../src/testing';

const options = { rateLimit: false as const, initialBackoffMs: 20, maxBackoffMs: 100 };
let dir: string;
let servers: Homeserver[] = [];

async function start(name: string, dataDir = ':memory:'): Promise<Homeserver> {
  const hs = createHomeserver({ serverName: name, dataDir, ...options });
  await hs.start({ port: 0 });
  for (const other of servers) {
    other.hostMap.set(name, hs.url());
    hs.hostMap.set(other.serverName, other.url());
  }
  servers = [...servers.filter((s) => s.serverName !== name), hs];
  return hs;
}

/** Every event a server holds for the room, outliers included (history before a join arrives as outliers). */
function eventIds(hs: Homeserver, roomId: string): string[] {
  return hs.storage.db
    .prepare('SELECT n.event_id FROM events e JOIN event_nids n ON n.event_nid = e.event_nid JOIN rooms r ON r.room_nid = e.room_nid WHERE r.room_id = ? ORDER BY n.event_id')
    .all(roomId)
    .map((r) => (r as { event_id: string }).event_id);
}

function converged(roomId: string): boolean {
  const [first, ...rest] = servers;
  const ids = JSON.stringify(eventIds(first!, roomId));
  const extremities = JSON.stringify(first!.rooms.prevEventsFor(roomId));
  return rest.every((s) => JSON.stringify(eventIds(s, roomId)) === ids && JSON.stringify(s.rooms.prevEventsFor(roomId)) === extremities);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-three-'));
  servers = [];
});

afterEach(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('three servers converge, and a restarted one catches up', async () => {
  const a = await start('a.test');
  const b = await start('b.test');
  let c = await start('c.test', join(dir, 'c'));
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  await joinRemoteRoom(b, roomId, '@bob:b.test', ['a.test']);
  await joinRemoteRoom(c, roomId, '@carol:c.test', ['a.test']);
  await eventually(() => b.rooms.membershipOf(roomId, '@carol:c.test') === 'join', 'c join reaching b', 15_000);

  for (let i = 0; i < 3; i++) {
    await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: `a${i}` } });
    await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: `b${i}` } });
    await c.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@carol:c.test', content: { body: `c${i}` } });
  }
  await eventually(() => converged(roomId), 'convergence of three servers', 15_000);
  const state = (hs: Homeserver) => JSON.stringify([...hs.storage.getCurrentState(roomId)].sort());
  expect(state(b)).toBe(state(a));
  expect(state(c)).toBe(state(a));

  // C goes away; A and B go on.
  await c.stop();
  servers = servers.filter((s) => s !== c);
  for (let i = 0; i < 5; i++) {
    await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: `while c is down ${i}` } });
    await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: `b while c is down ${i}` } });
  }
  await eventually(() => converged(roomId), 'a and b converging without c', 15_000);
  expect(a.sender.pendingFor('c.test')).toBeGreaterThan(0);

  // C comes back from its database on disk, on a new port.
  c = await start('c.test', join(dir, 'c'));
  a.sender.wake('c.test');
  b.sender.wake('c.test');
  await eventually(() => converged(roomId), 'c catching up after its restart', 15_000);
  expect(state(c)).toBe(state(a));
  for (const s of servers) expect(s.storage.verifyRoom(roomId).problems).toEqual([]);
});
