// The admin API over a real homeserver on loopback: the token guard, forward extremities with depth,
// the DAG as JSON and DOT, and the invariant check — across room versions.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHomeserver, Homeserver } from '../../src/homeserver';
import { ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { buildSampleRoom, SampleRoom } from './support/sample-room';

const TOKEN = 'admin-secret';

async function get(hs: Homeserver, path: string, token: string | null = TOKEN, method = 'GET'): Promise<{ status: number; type: string; text: string; json: () => Record<string, unknown> }> {
  const res = await fetch(`${hs.url()}${path}`, { method, headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const roomPath = (roomId: string, rest: string) => `/_dagmar/admin/v1/rooms/${encodeURIComponent(roomId)}/${rest}`;

describe('admin token guard', () => {
  let hs: Homeserver;
  beforeAll(async () => {
    hs = createHomeserver({ dataDir: ':memory:', serverName: 'admin.test', adminToken: TOKEN });
    await hs.start({ port: 0 });
  });
  afterAll(() => hs.stop());

  test('no token is 401 M_MISSING_TOKEN, a wrong one 401 M_UNKNOWN_TOKEN, the right one 200', async () => {
    const missing = await get(hs, '/_dagmar/admin/v1/rooms', null);
    expect(missing.status).toBe(401);
    expect(missing.json().errcode).toBe('M_MISSING_TOKEN');
    const wrong = await get(hs, '/_dagmar/admin/v1/rooms', 'admin-secreT');
    expect(wrong.status).toBe(401);
    expect(wrong.json().errcode).toBe('M_UNKNOWN_TOKEN');
    const ok = await get(hs, '/_dagmar/admin/v1/rooms');
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ total: 0, rooms: [] });
  });

  test('the guard runs before the room lookup, so room existence does not leak', async () => {
    const res = await get(hs, roomPath('!nope:admin.test', 'forward_extremities'), null);
    expect(res.status).toBe(401);
  });

  test('an unknown room is 404 M_NOT_FOUND; a bad format is 400', async () => {
    const res = await get(hs, roomPath('!nope:admin.test', 'dag'));
    expect(res.status).toBe(404);
    expect(res.json().errcode).toBe('M_NOT_FOUND');
    const roomId = await hs.rooms.createRoom({ creator: '@alice:admin.test' });
    const bad = await get(hs, `${roomPath(roomId, 'dag')}?format=svg`);
    expect(bad.status).toBe(400);
    expect(bad.json().errcode).toBe('M_INVALID_PARAM');
  });
});

test('without an admin token the admin API does not exist (404 M_UNRECOGNIZED)', async () => {
  const hs = createHomeserver({ dataDir: ':memory:', serverName: 'noadmin.test' });
  await hs.start({ port: 0 });
  try {
    for (const token of [null, 'anything']) {
      const res = await get(hs, '/_dagmar/admin/v1/rooms', token);
      expect(res.status).toBe(404);
      expect(res.json().errcode).toBe('M_UNRECOGNIZED');
    }
  } finally {
    await hs.stop();
  }
});

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  let hs: Homeserver;
  let room: SampleRoom;
  // On disk, so that the verify test can corrupt a row through its own connection to the same file.
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dagmar-admin-'));
    hs = createHomeserver({ dataDir, serverName: 'admin.test', adminToken: TOKEN, logLevel: 'silent' });
    await hs.start({ port: 0 });
    room = await buildSampleRoom(hs, version);
  });
  afterAll(async () => {
    await hs.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('forward_extremities lists both fork tips with depth, deepest first then by ID', async () => {
    const res = await get(hs, roomPath(room.roomId, 'forward_extremities'));
    expect(res.status).toBe(200);
    const body = res.json() as { count: number; results: Array<Record<string, unknown>> };
    const tips = [room.forkA, room.forkB].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
    expect(body.count).toBe(2);
    expect(body.results.map((r) => [r.event_id, r.depth, r.type, r.sender])).toEqual(tips.map((t) => [t.eventId, t.depth, 'm.room.message', t.sender]));
    expect(typeof body.results[0]?.received_ts).toBe('number');
  });

  test('dag?format=json has every event with its flags, the edges and the extremities', async () => {
    const res = await get(hs, roomPath(room.roomId, 'dag'));
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const body = res.json() as { room_version: string; events: Array<Record<string, unknown>>; edges: Array<{ from: string; to: string }>; forward_extremities: Array<{ event_id: string }>; backward_extremities: string[] };
    expect(body.room_version).toBe(version);
    const byId = new Map(body.events.map((e) => [e.event_id as string, e]));
    expect(byId.get(room.rejected.eventId)).toMatchObject({ rejected: true, soft_failed: false, forward_extremity: false });
    expect(typeof byId.get(room.rejected.eventId)?.rejected_reason).toBe('string');
    expect(byId.get(room.softFailed.eventId)).toMatchObject({ rejected: false, soft_failed: true, forward_extremity: false });
    expect(byId.get(room.forkA.eventId)).toMatchObject({ rejected: false, soft_failed: false, forward_extremity: true, prev_events: [room.ban.eventId] });
    expect(byId.get(room.ban.eventId)).toMatchObject({ forward_extremity: false, state_key: '@bob:remote.test' });
    expect(body.edges).toContainEqual({ from: room.forkB.eventId, to: room.ban.eventId });
    expect(body.edges).toHaveLength(body.events.reduce((n, e) => n + (e.prev_events as string[]).length, 0));
    expect(body.forward_extremities.map((f) => f.event_id).sort()).toEqual([room.forkA.eventId, room.forkB.eventId].sort());
    expect(body.backward_extremities).toEqual([]);
    // Depth ascending: the create event first.
    expect(body.events[0]?.type).toBe('m.room.create');
  });

  test('dag?format=dot is Graphviz with the extremities and flags styled', async () => {
    const res = await get(hs, `${roomPath(room.roomId, 'dag')}?format=dot`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/vnd\.graphviz/);
    const lines = res.text.split('\n');
    expect(lines[0]).toMatch(/^digraph "!/);
    const nodeLine = (id: string) => lines.find((l) => l.startsWith(`  "${id}" [`)) ?? '';
    expect(nodeLine(room.forkA.eventId)).toContain('FORWARD EXTREMITY');
    expect(nodeLine(room.forkA.eventId)).toContain('penwidth=3');
    expect(nodeLine(room.rejected.eventId)).toContain('REJECTED');
    expect(nodeLine(room.rejected.eventId)).not.toContain('FORWARD EXTREMITY');
    expect(nodeLine(room.softFailed.eventId)).toContain('SOFT-FAILED');
    expect(lines).toContain(`  "${room.forkB.eventId}" -> "${room.ban.eventId}";`);
    expect(res.text.trimEnd().endsWith('}')).toBe(true);
  });

  test('verify reports ok, then names the problem after the extremity table is corrupted', async () => {
    const ok = await get(hs, roomPath(room.roomId, 'verify'), TOKEN, 'POST');
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ room_id: room.roomId, ok: true, problems: [] });
    const db = new Database(join(dataDir, 'dagmar.sqlite'));
    db.prepare('DELETE FROM forward_extremities WHERE event_nid = (SELECT event_nid FROM event_nids WHERE event_id = ?)').run(room.forkA.eventId);
    db.close();
    const bad = await get(hs, roomPath(room.roomId, 'verify'), TOKEN, 'POST');
    expect(bad.json()).toMatchObject({ ok: false, problems: [`forward extremity missing: ${room.forkA.eventId}`] });
    // GET is not the verb for the check.
    expect((await get(hs, roomPath(room.roomId, 'verify'))).status).toBe(405);
  });
});
