// TestPeer against a real dagmar over loopback: it joins, serves its own DAG, records what it is asked,
// answers differently when overridden, sends deliberately broken PDUs, and is reproducible with a seed.
import type { Homeserver } from '../../src/homeserver';
import { createTestPeer, DagBuilder, startTestHomeserver, TestPeer } from '../../src/testing';

const ALICE = '@alice:hs.test';
const BOB = '@bob:peer.test';

let hs: Homeserver;
let peer: TestPeer;

beforeEach(async () => {
  hs = await startTestHomeserver('hs.test');
  peer = (await createTestPeer({ serverName: 'peer.test' })).connect(hs);
});

afterEach(async () => {
  await hs.stop();
  await peer.stop();
});

async function joinedRoom(version = '11'): Promise<string> {
  const roomId = await hs.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'public_chat' });
  await peer.join(roomId, BOB);
  return roomId;
}

describe.each(['1', '6', '11', '12'])('room version %s', (version) => {
  test('joins a room on dagmar with make_join/send_join and holds the same state', async () => {
    const roomId = await joinedRoom(version);
    expect(hs.rooms.membershipOf(roomId, BOB)).toBe('join');
    expect(peer.rooms.membershipOf(roomId, BOB)).toBe('join');
    expect(peer.storage.getCurrentState(roomId)).toEqual(hs.storage.getCurrentState(roomId));
    expect(peer.forwardExtremities(roomId)).toEqual(hs.rooms.prevEventsFor(roomId, 20).map((e) => e.eventId));
    // dagmar checked the peer's signature on the join: it fetched the peer's key from the peer's key server.
    expect(peer.requests.some((r) => r.method === 'GET' && r.path.startsWith('/_matrix/key/v2/server'))).toBe(true);
  });
});

test('serves /event, /state_ids, /state, /event_auth, /backfill and both /extremities paths from its own DAG', async () => {
  const roomId = await joinedRoom();
  const a = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'a' } });
  const base = a.prevEventIds[0]!;
  const b = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'b' } }, { prevEvents: [base] });
  expect(peer.forwardExtremities(roomId).sort()).toEqual([a.eventId, b.eventId].sort());

  const ask = <T>(path: string, query?: Record<string, string>) => hs.client.requestJson<T>('peer.test', 'GET', path, query ? { query } : {});
  const room = encodeURIComponent(roomId);
  const event = await ask<{ pdus: Array<{ content: { body: string } }> }>(`/_matrix/federation/v1/event/${encodeURIComponent(a.eventId)}`);
  expect(event.pdus[0]!.content.body).toBe('a');
  const ids = await ask<{ pdu_ids: string[]; auth_chain_ids: string[] }>(`/_matrix/federation/v1/state_ids/${room}`, { event_id: a.eventId });
  expect(ids.pdu_ids.sort()).toEqual([...peer.storage.getStateBefore(a.eventId).values()].sort());
  const state = await ask<{ pdus: unknown[] }>(`/_matrix/federation/v1/state/${room}`, { event_id: a.eventId });
  expect(state.pdus).toHaveLength(ids.pdu_ids.length);
  const auth = await ask<{ auth_chain: unknown[] }>(`/_matrix/federation/v1/event_auth/${room}/${encodeURIComponent(a.eventId)}`);
  expect(auth.auth_chain.length).toBeGreaterThan(0);
  const backfill = await ask<{ pdus: Array<{ content: { body?: string } }> }>(`/_matrix/federation/v1/backfill/${room}`, { v: b.eventId, limit: '2' });
  expect(backfill.pdus.map((p) => p.content.body)).toContain('b');
  for (const path of [`/_matrix/federation/v1/extremities/${room}`, `/_matrix/federation/unstable/org.matrix.msc4370/extremities/${room}`]) {
    expect((await ask<{ prev_events: string[] }>(path)).prev_events.sort()).toEqual([a.eventId, b.eventId].sort());
  }
  // Every request is recorded with its X-Matrix origin and answered status.
  const extremities = await peer.waitForRequest('GET /_matrix/federation/unstable/org.matrix.msc4370/extremities/');
  expect(extremities).toMatchObject({ origin: 'hs.test', status: 200 });
  expect(extremities.path).toBe(`/_matrix/federation/unstable/org.matrix.msc4370/extremities/${roomId}`);
});

test('waitForRequest resolves for a request yet to come and times out with what it did receive', async () => {
  const roomId = await joinedRoom();
  const waiting = peer.waitForRequest((r) => r.path.includes('/state_ids/') && r.query.event_id !== undefined);
  await hs.client.requestJson('peer.test', 'GET', `/_matrix/federation/v1/state_ids/${encodeURIComponent(roomId)}`, { query: { event_id: peer.forwardExtremities(roomId)[0]! } });
  expect((await waiting).status).toBe(200);
  await expect(peer.waitForRequest('POST /_matrix/federation/v1/get_missing_events', { timeoutMs: 50 })).rejects.toThrow(/no request matching .* received: .*state_ids/);
});

test('override answers a path differently until removed', async () => {
  const roomId = await joinedRoom();
  const path = `/_matrix/federation/v1/extremities/${encodeURIComponent(roomId)}`;
  const remove = peer.override('GET', '/_matrix/federation/v1/extremities/:roomId', (ctx) => {
    ctx.body = { prev_events: ['$lie:peer.test'], asked_by: ctx.state.origin };
  });
  expect(await hs.client.requestJson('peer.test', 'GET', path)).toEqual({ prev_events: ['$lie:peer.test'], asked_by: 'hs.test' });
  remove();
  expect(await hs.client.requestJson('peer.test', 'GET', path)).toEqual({ prev_events: peer.forwardExtremities(roomId) });
});

test('sends broken PDUs: each is refused by dagmar for its own reason, a good one in the same transaction is taken', async () => {
  const roomId = await joinedRoom('10');
  const good = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'good' } });
  const unsigned = peer.breakPdu(good, 'unsigned');
  const forged = peer.breakPdu(good, 'forgedSender', { sender: '@mallory:other.test' });
  // v3+ event IDs hash the event without its signatures: the unsigned copy has the good one's ID, so it goes alone.
  const stripped = await peer.send([unsigned]);
  expect(stripped.body.pdus[good.eventId]?.error).toMatch(/signature/i);
  const answer = await peer.send([forged, good]);
  expect(answer.status).toBe(200);
  expect(answer.body.pdus[good.eventId]).toEqual({});
  const errors = Object.entries(answer.body.pdus).filter(([id]) => id !== good.eventId).map(([, r]) => r.error ?? '');
  expect(errors).toEqual([expect.stringMatching(/no signature from other\.test/)]);
  expect(hs.storage.getEvent(good.eventId)).toBeDefined();
  // The same event re-signed for another room dagmar has: its parents and auth events belong to the first room.
  const otherRoom = await hs.rooms.createRoom({ creator: ALICE, roomVersion: '10', preset: 'public_chat' });
  const wrongRoom = peer.breakPdu(good, 'wrongRoom', { roomId: otherRoom });
  const foreign = await peer.send([wrongRoom]);
  const [foreignId, foreignResult] = Object.entries(foreign.body.pdus)[0] ?? [];
  expect(foreignResult?.error).toBeDefined();
  expect(hs.storage.getEvent(foreignId ?? '')?.event.roomId ?? 'not stored as a graph event').not.toBe(otherRoom);
  // A changed content after signing: the spec has the receiver redact it, and keep it.
  const tampered = peer.breakPdu(await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'x' } }), 'badHash');
  await peer.send([tampered]);
  const kept = hs.storage.getEvent(peer.forwardExtremities(roomId)[0]!);
  expect(kept?.event.content).toEqual({});
});

test('with a seed, the key and the events of its own v12 room are the same on every run, and a DagBuilder with the seed signs as the peer', async () => {
  const one = await createTestPeer({ serverName: 'seeded.test', seed: 'fixed' });
  const two = await createTestPeer({ serverName: 'seeded.test', seed: 'fixed' });
  const other = await createTestPeer({ serverName: 'seeded.test', seed: 'other' });
  try {
    expect(one.key.publicKey).toBe(two.key.publicKey);
    expect(other.key.publicKey).not.toBe(one.key.publicKey);
    const rooms = await Promise.all([one, two].map((p) => p.createRoom({ creator: '@c:seeded.test', roomVersion: '12', preset: 'public_chat' })));
    expect(rooms[0]).toBe(rooms[1]);
    expect(one.forwardExtremities(rooms[0]!)).toEqual(two.forwardExtremities(rooms[1]!));
    const dag = new DagBuilder({ roomVersion: '12', servers: ['seeded.test'], seed: 'fixed' });
    dag.create('@c:seeded.test');
    await dag.build();
    expect(dag.serverKeys().get('seeded.test')?.publicKey).toBe(one.key.publicKey);
  } finally {
    for (const p of [one, two, other]) await p.stop();
  }
});

test('a seeded peer serves a DagBuilder DAG of the same seed: dagmar joins the peer room, verifying every event with the key the peer publishes', async () => {
  const seeded = (await createTestPeer({ serverName: 'dag.test', seed: 'serve' })).connect(hs);
  try {
    const dag = new DagBuilder({ roomVersion: '11', servers: ['dag.test'], seed: 'serve' });
    dag.create('@carol:dag.test').fork('left', (d) => d.state('m.room.topic', '', { topic: 'L' })).fork('right', (d) => d.state('m.room.name', '', { name: 'R' }));
    const result = await seeded.load(dag);
    expect(result.counts).toEqual({ accepted: dag.events().length });
    expect(seeded.forwardExtremities(dag.roomId).sort()).toEqual(dag.forwardExtremities().eventIds.sort());
    const { joinRemoteRoom } = await import('../../src/testing');
    await joinRemoteRoom(hs, dag.roomId, ALICE, ['dag.test']);
    expect(hs.storage.getCurrentState(dag.roomId).get(JSON.stringify(['m.room.topic', '']))).toBe(dag.eventId('left'));
    expect(hs.storage.getCurrentState(dag.roomId).get(JSON.stringify(['m.room.name', '']))).toBe(dag.eventId('right'));
    expect(seeded.requests.map((r) => `${r.method} ${r.path.split('/').slice(0, 5).join('/')}`)).toEqual(expect.arrayContaining(['GET /_matrix/key/v2/server', 'GET /_matrix/federation/v1/make_join', 'PUT /_matrix/federation/v2/send_join']));
  } finally {
    await seeded.stop();
  }
});

test('invites both ways: dagmar invites a peer user (the peer co-signs on /v2/invite), the peer invites a dagmar user (dagmar co-signs)', async () => {
  const roomId = await hs.rooms.createRoom({ creator: ALICE, roomVersion: '11', preset: 'private_chat' });
  const invite = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'invite' } });
  expect(Object.keys(invite.pdu.signatures ?? {}).sort()).toEqual(['hs.test', 'peer.test']);
  expect(await peer.waitForRequest(`PUT /_matrix/federation/v2/invite/${roomId}`)).toMatchObject({ origin: 'hs.test', status: 200 });

  const own = await peer.createRoom({ creator: BOB, roomVersion: '11', preset: 'private_chat' });
  const theirs = await peer.buildEvent(own, { type: 'm.room.member', sender: BOB, stateKey: ALICE, content: { membership: 'invite' } });
  expect(Object.keys(theirs.pdu.signatures ?? {}).sort()).toEqual(['hs.test', 'peer.test']);
  expect(hs.storage.getEvent(theirs.eventId)).toMatchObject({ outlier: true });
});

test('a wait still pending when the peer stops is rejected, not left to time out', async () => {
  const solo = await createTestPeer({ serverName: 'solo.test' });
  const waiting = solo.waitForRequest('GET /never');
  await solo.stop();
  await expect(waiting).rejects.toThrow('TestPeer solo.test stopped while waiting for GET /never');
});
