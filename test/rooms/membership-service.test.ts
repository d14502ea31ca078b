// RoomService.joinRoom / leaveRoom, the one membership service, across real servers on loopback: local
// joins and leaves, joins over federation through `via` and through a pending invite's sender, an
// invite rejected through the inviter's server, and the 404 when no server can get us in.
import { createServer } from 'node:net';
import { Homeserver } from '../../src/homeserver';
import { MatrixError } from '../../src/protocol/errors';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';
import { enc, MatrixClient } from '../client-api/support/matrix-client';

const ALICE = '@alice:a.test';
const ANN = '@ann:a.test';
const BOB = '@bob:b.test';
const CAROL = '@carol:c.test';

let fed: TestFederation;
let a: Homeserver;
let b: Homeserver;
let c: Homeserver;
beforeEach(async () => {
  fed = await startTestFederation(['a.test', 'b.test', 'c.test'], { enableRegistration: true });
  [a, b, c] = fed.servers as [Homeserver, Homeserver, Homeserver];
});
afterEach(async () => fed.stop());

/** The MatrixError a promise rejects with (fails the test if it resolves or throws anything else). */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; errcode: string; message: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MatrixError)) throw new Error(`expected a MatrixError, got ${String(error)}`);
  return { status: error.status, errcode: error.errcode, message: error.message };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const invite = (hs: Homeserver, roomId: string, sender: string, invitee: string) =>
  hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender, stateKey: invitee, content: { membership: 'invite' } });

describe.each(['10', '12'])('room version %s', (version) => {
  test('a local join of a room we are in is a local event, whatever `via` says; leaving is one too', async () => {
    const roomId = await a.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'public_chat' });
    const joined = await a.rooms.joinRoom(roomId, ANN, { via: ['b.test'], reason: 'hello', content: { displayname: 'Ann' } });
    expect(joined.via).toBeUndefined();
    expect(joined.outcome.status).toBe('accepted');
    expect(joined.event.content).toEqual({ membership: 'join', reason: 'hello', displayname: 'Ann' });
    expect(a.rooms.membershipOf(roomId, ANN)).toBe('join');
    expect(a.rooms.prevEventsFor(roomId)).toEqual([{ eventId: joined.event.eventId, depth: joined.event.depth }]);
    expect(b.storage.hasRoom(roomId)).toBe(false);

    const left = await a.rooms.leaveRoom(roomId, ANN, { reason: 'bye' });
    expect(left.via).toBeUndefined();
    expect(left.event.content).toEqual({ membership: 'leave', reason: 'bye' });
    expect(a.rooms.membershipOf(roomId, ANN)).toBe('leave');
    expect(a.storage.verifyRoom(roomId).problems).toEqual([]);
  });

  test('a join over federation through `via`: make_join/send_join at the resident, then a leave as our own event', async () => {
    const roomId = await a.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'public_chat' });
    const joined = await b.rooms.joinRoom(roomId, BOB, { via: ['a.test'], reason: 'via a' });
    expect(joined.via).toBe('a.test');
    expect(joined.outcome.status).toBe('accepted');
    expect(joined.event.content).toEqual({ membership: 'join', reason: 'via a' });
    expect(b.rooms.membershipOf(roomId, BOB)).toBe('join');
    expect(a.rooms.membershipOf(roomId, BOB)).toBe('join');
    expect(b.storage.verifyRoom(roomId).problems).toEqual([]);

    // b now holds the room's state: the leave is a local event of b's, sent to a.
    const left = await b.rooms.leaveRoom(roomId, BOB);
    expect(left.via).toBeUndefined();
    expect(b.storage.getEvent(left.event.eventId)?.outlier).toBe(false);
    await eventually(() => a.rooms.membershipOf(roomId, BOB) === 'leave', 'a sees bob leave');
  });

  test('invited only: the join goes through the inviter’s server, ahead of the room ID’s', async () => {
    const roomId = await a.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'public_chat' });
    await c.rooms.joinRoom(roomId, CAROL, { via: ['a.test'] });
    const sent = await invite(c, roomId, CAROL, BOB);
    expect(b.storage.getEvent(sent.eventId)?.outlier).toBe(true);

    const joined = await b.rooms.joinRoom(roomId, BOB);
    expect(joined.via).toBe('c.test');
    expect(b.rooms.membershipOf(roomId, BOB)).toBe('join');
    await eventually(() => a.rooms.membershipOf(roomId, BOB) === 'join', 'a sees bob joined');
  });

  test('leaveRoom rejects a remote invite at the inviter’s server; our leave is kept as an outlier and answers the invite', async () => {
    const roomId = await a.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'private_chat' });
    await invite(a, roomId, ALICE, BOB);
    const left = await b.rooms.leaveRoom(roomId, BOB, { reason: 'no thanks' });
    expect(left.via).toBe('a.test');
    expect(b.storage.getEvent(left.event.eventId)?.outlier).toBe(true);
    expect(b.rooms.participating(roomId)).toBe(false);
    const atA = a.rooms.currentStateEventId(roomId, 'm.room.member', BOB);
    expect(atA).toBe(left.event.eventId);
    expect(a.storage.getEvent(atA!)?.event.content).toEqual({ membership: 'leave', reason: 'no thanks' });

    // Answered: nothing left to reject, and nothing names a server to join through for this private room.
    expect(await refusal(b.rooms.leaveRoom(roomId, BOB))).toMatchObject({ status: 403, errcode: 'M_FORBIDDEN' });
    expect(await refusal(b.rooms.joinRoom(roomId, BOB))).toMatchObject({ status: 404, errcode: 'M_NOT_FOUND' });
  });
});

describe('no server can get us in', () => {
  test('a server without the room and an unreachable one: 404 M_NOT_FOUND naming both; nothing stored', async () => {
    b.hostMap.set('gone.test', `http://127.0.0.1:${await closedPort()}`);
    const roomId = '!nowhere:c.test';
    const refused = await refusal(b.rooms.joinRoom(roomId, BOB, { via: ['gone.test'] }));
    expect(refused).toMatchObject({ status: 404, errcode: 'M_NOT_FOUND' });
    expect(refused.message).toContain('gone.test: ');
    expect(refused.message).toContain('c.test: ');
    expect(b.storage.hasRoom(roomId)).toBe(false);
  });

  test('a v12 room (its ID names no server) with no via and no invite: 404 without asking anyone', async () => {
    const roomId = await a.rooms.createRoom({ creator: ALICE, roomVersion: '12', preset: 'public_chat' });
    expect(await refusal(b.rooms.joinRoom(roomId, BOB))).toMatchObject({ status: 404, errcode: 'M_NOT_FOUND' });
    expect(a.rooms.membershipOf(roomId, BOB)).toBe('leave');
  });

  test('the client API answers the same 404 M_NOT_FOUND for POST /join', async () => {
    const bob = await MatrixClient.of(b).register('bob');
    const reply = await bob.request('POST', `/_matrix/client/v3/join/${enc('!nowhere:c.test')}?server_name=c.test`, {});
    expect(reply.status).toBe(404);
    expect(reply.body.errcode).toBe('M_NOT_FOUND');
  });

  test('joinRoom and leaveRoom act only for our own users', async () => {
    const roomId = await a.rooms.createRoom({ creator: ALICE, roomVersion: '10', preset: 'public_chat' });
    expect(await refusal(a.rooms.joinRoom(roomId, BOB))).toMatchObject({ status: 400, errcode: 'M_INVALID_PARAM' });
    expect(await refusal(a.rooms.leaveRoom(roomId, BOB))).toMatchObject({ status: 400, errcode: 'M_INVALID_PARAM' });
    expect(a.rooms.membershipOf(roomId, BOB)).toBe('leave');
  });
});
