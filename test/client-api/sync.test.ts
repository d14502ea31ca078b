// GET /sync over real HTTP on loopback servers: initial and incremental sync, timeline limits with a
// prev_batch that /messages accepts, filters by ID and inline, redactions shown redacted, invites
// across servers with invite_state, leaving, and long-polls woken by an event from another server.
import { Homeserver } from '../../src/homeserver';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';
import { enc, MatrixClient } from './support/matrix-client';

let fed: TestFederation;
let a: Homeserver;
let b: Homeserver;
beforeEach(async () => {
  fed = await startTestFederation(['a.test', 'b.test'], { enableRegistration: true });
  [a, b] = fed.servers as [Homeserver, Homeserver];
});
afterEach(async () => fed.stop());

/** The parts of a client event these tests read. */
interface Ev {
  type: string;
  event_id: string;
  state_key?: string;
  content: { body?: string; name?: string; membership?: string };
  unsigned: { redacted_because?: { type: string } };
}

const sync = (client: MatrixClient, query = '') => client.ok('GET', `/_matrix/client/v3/sync${query === '' ? '' : `?${query}`}`);
const bodies = (room: { timeline: { events: Ev[] } }) => room.timeline.events.filter((e: Ev) => e.type === 'm.room.message').map((e: Ev) => e.content.body);

test('initial sync shows the room, its state and timeline; incremental shows only what is new', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const roomId = await alice.createRoom({ room_version: '12', name: 'Sync room' });
  await alice.send(roomId, 'one');
  const first = await sync(alice);
  expect(first.next_batch).toMatch(/^s1_/);
  const room = first.rooms.join[roomId];
  expect(bodies(room)).toEqual(['one']);
  // Everything before the timeline is in state; together they hold the room name and alice's join.
  const all = [...room.state.events, ...room.timeline.events];
  expect(all.find((e: Ev) => e.type === 'm.room.name').content.name).toBe('Sync room');
  expect(all.find((e: Ev) => e.type === 'm.room.member' && e.state_key === alice.userId).content.membership).toBe('join');
  expect(room.summary['m.joined_member_count']).toBe(1);
  expect(room.unread_notifications).toEqual({ highlight_count: 0, notification_count: 0 });

  await alice.send(roomId, 'two');
  const next = await sync(alice, `since=${first.next_batch}`);
  expect(bodies(next.rooms.join[roomId])).toEqual(['two']);
  expect(next.rooms.join[roomId].timeline.limited).toBe(false);
  expect(next.rooms.join[roomId].state.events).toEqual([]);
  // Nothing new: no rooms, and the same position again.
  const idle = await sync(alice, `since=${next.next_batch}&timeout=0`);
  expect(idle.rooms.join).toEqual({});
  expect(idle.next_batch).toBe(next.next_batch);
  // The r0 path serves the same.
  expect((await alice.ok('GET', `/_matrix/client/r0/sync?since=${next.next_batch}`)).next_batch).toBe(next.next_batch);
});

test('a timeline limit (inline filter and stored filter) sets limited, and prev_batch pages on with /messages', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const roomId = await alice.createRoom({ room_version: '10' });
  for (const n of [1, 2, 3, 4, 5]) await alice.send(roomId, `m${n}`);
  const inline = await sync(alice, `filter=${enc(JSON.stringify({ room: { timeline: { limit: 2 }, state: { lazy_load_members: true } } }))}`);
  const room = inline.rooms.join[roomId];
  expect(bodies(room)).toEqual(['m4', 'm5']);
  expect(room.timeline.limited).toBe(true);
  const older = await alice.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=2&from=${enc(room.timeline.prev_batch)}`);
  expect(older.chunk.map((e: Ev) => e.content.body)).toEqual(['m3', 'm2']);

  const { filter_id } = await alice.ok('POST', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter`, { room: { timeline: { limit: 1 } } });
  expect(await alice.ok('GET', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter/${filter_id}`)).toEqual({ room: { timeline: { limit: 1 } } });
  expect(bodies((await sync(alice, `filter=${filter_id}`)).rooms.join[roomId])).toEqual(['m5']);
  // Another user's filter ID is not yours.
  const bob = await MatrixClient.of(a).register('bob');
  expect((await bob.request('GET', `/_matrix/client/v3/sync?filter=${filter_id}`)).status).toBe(404);
});

test('a redacted message appears redacted; a bad token is 401 M_UNKNOWN_TOKEN; a bad since is 400', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const roomId = await alice.createRoom({ room_version: '11' });
  const eventId = await alice.send(roomId, 'secret');
  const before = await sync(alice);
  await alice.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(eventId)}/r1`, { reason: 'oops' });
  const after = await sync(alice, `since=${before.next_batch}`);
  expect(after.rooms.join[roomId].timeline.events.map((e: Ev) => e.type)).toEqual(['m.room.redaction']);
  const again = await sync(alice);
  const shown = again.rooms.join[roomId].timeline.events.find((e: Ev) => e.event_id === eventId);
  expect(shown.content).toEqual({});
  expect(shown.unsigned.redacted_because.type).toBe('m.room.redaction');

  const stranger = new MatrixClient(a.url());
  const bad = await stranger.request('GET', '/_matrix/client/v3/sync', undefined, 'not-a-token');
  expect(bad.status).toBe(401);
  expect(bad.body.errcode).toBe('M_UNKNOWN_TOKEN');
  expect((await alice.request('GET', '/_matrix/client/v3/sync?since=12')).body.errcode).toBe('M_INVALID_PARAM');
});

test('an invite from another server shows in invite with invite_state; joining moves the room to join; leaving to leave', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const bob = await MatrixClient.of(b).register('bob');
  const roomId = await alice.createRoom({ room_version: '12', name: 'Invited' });
  const start = await sync(bob);
  await alice.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: bob.userId });
  const invited = await sync(bob, `since=${start.next_batch}`);
  const state = invited.rooms.invite[roomId].invite_state.events;
  expect(state.find((e: Ev) => e.type === 'm.room.member' && e.state_key === bob.userId).content.membership).toBe('invite');
  expect(state.find((e: Ev) => e.type === 'm.room.create')).toBeDefined();

  await bob.ok('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {});
  const joined = await sync(bob, `since=${invited.next_batch}`);
  // Joined since the token: the full state comes with it, though the timeline is not limited.
  const seen = [...joined.rooms.join[roomId].state.events, ...joined.rooms.join[roomId].timeline.events];
  expect(seen.find((e: Ev) => e.type === 'm.room.name').content.name).toBe('Invited');

  await bob.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
  const left = await sync(bob, `since=${joined.next_batch}`);
  expect(left.rooms.join[roomId]).toBeUndefined();
  expect(left.rooms.leave[roomId].timeline.events.at(-1).content.membership).toBe('leave');
});

test('a waiting /sync is woken by an event sent on another server, well before its timeout', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const bob = await MatrixClient.of(b).register('bob');
  const roomId = await alice.createRoom({ room_version: '12', preset: 'public_chat' });
  await bob.ok('POST', `/_matrix/client/v3/join/${enc(roomId)}?server_name=a.test`, {});
  await eventually(() => a.rooms.membershipOf(roomId, bob.userId!) === 'join', 'a sees bob joined');
  const position = (await sync(alice)).next_batch;
  // A 25 s timeout against jest's 30 s: if the event did not wake it, this test would time out.
  let answered = false;
  const waiting = sync(alice, `since=${position}&timeout=25000`).then((r) => ((answered = true), r));
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(answered).toBe(false); // it is really waiting
  await bob.send(roomId, 'from b');
  const woken = await waiting;
  expect(bodies(woken.rooms.join[roomId])).toEqual(['from b']);
}, 28_000);
