// Recover over the admin API, in process: B loses its whole data directory (so its signing key too),
// starts afresh, and POST /_dagmar/admin/v1/rooms/{roomId}/recover rebuilds the room from A — B's old
// events verify with its old key learnt back from A, and afterwards B's events, extremities and state
// equal A's and A accepts B's next event.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHomeserver, Homeserver, HomeserverOptions } from '../../src/homeserver';
import { eventually } from '../../src/testing';
import { busyRoom, roomView } from './support/recover-room';

const TOKEN = 'admin-secret';
let dir: string;
const running: Homeserver[] = [];

async function start(name: string, options: HomeserverOptions = {}): Promise<Homeserver> {
  const hs = createHomeserver({ serverName: name, dataDir: ':memory:', rateLimit: false, initialBackoffMs: 20, maxBackoffMs: 200, antiEntropyIntervalSeconds: 0, ...options });
  await hs.start({ port: 0 });
  for (const other of running) {
    other.hostMap.set(name, hs.url());
    hs.hostMap.set(other.serverName, other.url());
  }
  running.push(hs);
  return hs;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-recover-'));
});
afterEach(async () => {
  for (const hs of running.splice(0)) await hs.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function recoverCall(hs: Homeserver, roomId: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${hs.url()}/_dagmar/admin/v1/rooms/${encodeURIComponent(roomId)}/recover`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('a server that lost its data directory rebuilds the room from another and can send again', async () => {
  const a = await start('a.test');
  let b = await start('b.test', { dataDir: join(dir, 'b') });
  const roomId = await busyRoom(a, b, 150);
  const oldKey = b.signingKey().keyId;
  await b.stop();
  running.splice(running.indexOf(b), 1);
  rmSync(join(dir, 'b'), { recursive: true, force: true });

  b = await start('b.test', { dataDir: join(dir, 'b'), adminToken: TOKEN });
  expect(b.signingKey().keyId).not.toBe(oldKey);
  expect(b.storage.hasRoom(roomId)).toBe(false);

  expect((await recoverCall(b, roomId, { via: [] })).status).toBe(400);
  const answer = await recoverCall(b, roomId, { via: ['a.test'] });
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ room_id: roomId, reached_create: true, own_keys_learnt: expect.arrayContaining([oldKey]) });
  expect(roomView(b, roomId)).toEqual(roomView(a, roomId));
  expect(answer.body.forward_extremities).toEqual(answer.body.their_extremities);
  expect(b.storage.verifyRoom(roomId).problems).toEqual([]);

  const sent = await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: 'back from the dead' } });
  await eventually(() => a.storage.getEvent(sent.eventId) !== undefined, "A receiving B's new event", 15_000);
  expect(a.storage.getEvent(sent.eventId)).toMatchObject({ outlier: false, softFailed: false, rejectedReason: undefined });
  expect(a.storage.getForwardExtremities(roomId).map((e) => e.eventId)).toEqual([sent.eventId]);
}, 90_000);

test('--depth stops the walk: the rest comes from /state at the oldest events walked', async () => {
  const a = await start('a.test');
  let b = await start('b.test', { dataDir: join(dir, 'b') });
  const roomId = await busyRoom(a, b, 120);
  await b.stop();
  running.splice(running.indexOf(b), 1);
  rmSync(join(dir, 'b'), { recursive: true, force: true });
  b = await start('b.test', { dataDir: join(dir, 'b'), adminToken: TOKEN });

  const answer = await recoverCall(b, roomId, { via: ['a.test'], depth: 10 });
  expect(answer.status).toBe(200);
  expect(answer.body.reached_create).toBe(false);
  const view = roomView(b, roomId);
  const full = roomView(a, roomId);
  expect(view.extremities).toEqual(full.extremities);
  expect(view.state).toEqual(full.state);
  expect(view.events.length).toBeLessThan(full.events.length);
  expect(b.storage.verifyRoom(roomId).problems).toEqual([]);
}, 90_000);
