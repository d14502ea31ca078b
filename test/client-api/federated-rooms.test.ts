// The client API across servers on loopback: a user joins a room on another server through
// /join?server_name=, an invite of another server's user is co-signed there and accepted by joining,
// messages from every server read back everywhere through /messages, and leaving travels too.
import { Homeserver } from '../../src/homeserver';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';
import { enc, MatrixClient } from './support/matrix-client';

let fed: TestFederation;
let a: Homeserver;
let b: Homeserver;
let c: Homeserver;
beforeEach(async () => {
  fed = await startTestFederation(['a.test', 'b.test', 'c.test'], { enableRegistration: true });
  [a, b, c] = fed.servers as [Homeserver, Homeserver, Homeserver];
});
afterEach(async () => fed.stop());

const room = (roomId: string, rest = '') => `/_matrix/client/v3/rooms/${enc(roomId)}${rest}`;

describe.each(['1', '10', '12'])('room version %s', (version) => {
  test('join through server_name, invite across servers, messages everywhere, leave', async () => {
    const alice = await MatrixClient.of(a).register('alice');
    const bob = await MatrixClient.of(b).register('bob');
    const carol = await MatrixClient.of(c).register('carol');
    const roomId = await alice.createRoom({ room_version: version, preset: 'public_chat', name: 'Federated' });

    // v12 room IDs name no server, so the joining server must be told where to go.
    expect(await bob.ok('POST', `/_matrix/client/v3/join/${enc(roomId)}?server_name=a.test`, {})).toEqual({ room_id: roomId });
    expect(b.rooms.membershipOf(roomId, bob.userId!)).toBe('join');
    await eventually(() => a.rooms.membershipOf(roomId, bob.userId!) === 'join', 'a sees bob joined');

    // Alice invites carol: c.test co-signs the invite over /v2/invite; carol accepts by joining
    // with no server_name (the inviter's server is known from the invite).
    await alice.ok('POST', room(roomId, '/invite'), { user_id: carol.userId });
    const inviteId = a.rooms.currentStateEventId(roomId, 'm.room.member', carol.userId!)!;
    const invite = a.storage.getEvent(inviteId)!.event;
    expect(Object.keys(invite.pdu.signatures).sort()).toEqual(['a.test', 'c.test']);
    expect(c.storage.getEvent(inviteId)?.outlier).toBe(true);
    expect(await carol.ok('POST', room(roomId, '/join'), {})).toEqual({ room_id: roomId });

    await alice.send(roomId, 'from a');
    await eventually(() => b.rooms.membershipOf(roomId, carol.userId!) === 'join', 'b sees carol joined');
    await bob.send(roomId, 'from b');
    await carol.send(roomId, 'from c');
    const everyone = ['from a', 'from b', 'from c'];
    for (const [client, hs] of [[alice, a], [bob, b], [carol, c]] as const) {
      const storedBodies = () => hs.storage.getEvents(hs.storage.getRoomGraph(roomId)?.events.map((e) => e.eventId) ?? []).map((s) => s.event.content.body);
      await eventually(() => everyone.every((body) => storedBodies().includes(body)), `${hs.serverName} has every message`);
      expect((await client.messageBodies(roomId)).filter((m) => everyone.includes(m)).sort()).toEqual(everyone);
    }

    // Bob (power 0, another server) may send a redaction of alice's message, but it does not take
    // effect: in v1 the auth rules reject it, from v3 the redaction-application rules ignore it.
    const page = await alice.ok('GET', room(roomId, '/messages?dir=b&limit=50'));
    const aliceMessage = page.chunk.find((e: { content: { body?: string } }) => e.content.body === 'from a').event_id as string;
    const attempt = await bob.request('PUT', room(roomId, `/redact/${enc(aliceMessage)}/r1`), {});
    expect(attempt.status).toBe(version === '1' ? 403 : 200);
    if (attempt.status === 200) await eventually(() => a.storage.getEvent(attempt.body.event_id) !== undefined, 'a has bob’s redaction');
    for (const client of [alice, bob]) {
      expect((await client.ok('GET', room(roomId, `/event/${enc(aliceMessage)}`))).content).toEqual({ msgtype: 'm.text', body: 'from a' });
    }
    await bob.ok('POST', room(roomId, '/leave'), {});
    await eventually(() => a.rooms.membershipOf(roomId, bob.userId!) === 'leave' && c.rooms.membershipOf(roomId, bob.userId!) === 'leave', 'bob’s leave reaches a and c');
    for (const hs of [a, b, c]) expect(hs.storage.verifyRoom(roomId)).toEqual({ ok: true, problems: [] });
  });
});

test.each(['1', '12'])('an invite from another server is rejected with /leave through make_leave/send_leave (v%s)', async (version) => {
  const alice = await MatrixClient.of(a).register('alice');
  const carol = await MatrixClient.of(c).register('carol');
  const roomId = await alice.createRoom({ room_version: version });
  await alice.ok('POST', room(roomId, '/invite'), { user_id: carol.userId });
  expect(await carol.ok('POST', room(roomId, '/leave'), {})).toEqual({});
  expect(a.rooms.membershipOf(roomId, carol.userId!)).toBe('leave');
  // The invite is answered: a second rejection, or a join with nothing to go on, is refused.
  expect(await carol.request('POST', room(roomId, '/leave'), {})).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  expect(a.storage.verifyRoom(roomId).ok).toBe(true);
  const stranger = await MatrixClient.of(b).register('bob');
  expect(await stranger.request('POST', room(roomId, '/leave'), {})).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
});

test('a remote join with no reachable server is 404 M_NOT_FOUND and leaves nothing behind', async () => {
  const bob = await MatrixClient.of(b).register('bob');
  const reply = await bob.request('POST', `/_matrix/client/v3/join/${enc('!nowhere:gone.test')}?server_name=gone.test`, {});
  expect(reply).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  expect(b.storage.hasRoom('!nowhere:gone.test')).toBe(false);
});

test('an invite that cannot reach the invitee’s server is 502 and stores nothing', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const roomId = await alice.createRoom({ room_version: '10' });
  const reply = await alice.request('POST', room(roomId, '/invite'), { user_id: '@dan:unreachable.test' });
  expect(reply.status).toBe(502);
  expect(a.rooms.membershipOf(roomId, '@dan:unreachable.test')).toBe('leave');
  expect(a.storage.verifyRoom(roomId).ok).toBe(true);
});
