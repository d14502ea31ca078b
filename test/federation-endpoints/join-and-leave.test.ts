// make_join (ver) + v2 send_join and make_leave + v2 send_leave, resident side, driven by a test peer
// by hand (server-server API "Joining Rooms", "Leaving Rooms"), with their error paths.
import { JsonObject } from '../../src/protocol/json';
import { stateKey } from '../../src/protocol/state-map';
import { ALICE, createRoom, DAGMAR, enc, useEndpointFixture, stored } from './support/fixture';
import { TestPeer } from './support/test-peer';

const PAT = '@pat:peer.test';

const fx = useEndpointFixture(['peer.test']);

const makeJoinPath = (roomId: string, userId: string) => `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}`;

describe.each(['1', '10', '12'])('room version %s', (version) => {
  test('a peer joins by make_join + send_join and the answer carries the state and auth chain', async () => {
    const roomId = await createRoom(fx.hs, version);
    const { join, answer, room } = await fx.peer.join(DAGMAR, roomId, PAT);
    expect(answer.origin).toBe(DAGMAR);
    expect(answer.members_omitted).toBe(false);
    expect(answer.servers_in_room).toEqual([DAGMAR, 'peer.test']);
    const state = (answer.state as JsonObject[]).map((p) => p.type);
    expect(state).toEqual(expect.arrayContaining(['m.room.create', 'm.room.power_levels', 'm.room.join_rules', 'm.room.member']));
    // The state is the state *before* the join: the peer's member event is not in it.
    expect((answer.state as JsonObject[]).some((p) => p.state_key === PAT)).toBe(false);
    expect(fx.hs.rooms.membershipOf(roomId, PAT)).toBe('join');
    expect(fx.hs.storage.getEvent(join.eventId)?.softFailed).toBe(false);
    // The join became the room's only forward extremity.
    expect(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([join.eventId]);
    expect(room.state.get(stateKey('m.room.member', PAT))).toBe(join.eventId);
    expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
  });

  test('make_join without a ver the room has is 400 M_INCOMPATIBLE_ROOM_VERSION', async () => {
    const roomId = await createRoom(fx.hs, version);
    const noVer = await fx.peer.call(DAGMAR, 'GET', makeJoinPath(roomId, PAT));
    // Without `ver` the joining server supports room version 1 only.
    if (version === '1') {
      expect(noVer.status).toBe(200);
    } else {
      expect(noVer.status).toBe(400);
      expect(noVer.body).toMatchObject({ errcode: 'M_INCOMPATIBLE_ROOM_VERSION', room_version: version });
    }
    const other = await fx.peer.call(DAGMAR, 'GET', makeJoinPath(roomId, PAT), { query: { ver: ['999', version === '12' ? '11' : '12'] } });
    expect(other.status).toBe(400);
    expect(other.body.errcode).toBe('M_INCOMPATIBLE_ROOM_VERSION');
    const ok = await fx.peer.call(DAGMAR, 'GET', makeJoinPath(roomId, PAT), { query: { ver: [version] } });
    expect(ok.status).toBe(200);
    expect(ok.body.room_version).toBe(version);
    expect(ok.body.event).toMatchObject({ type: 'm.room.member', sender: PAT, state_key: PAT, content: { membership: 'join' } });
  });

  test('send_join refuses a mismatched event ID, a forged signature and another server’s user; nothing is stored', async () => {
    const roomId = await createRoom(fx.hs, version);
    const made = await fx.peer.call(DAGMAR, 'GET', makeJoinPath(roomId, PAT), { query: { ver: [version] } });
    const join = fx.peer.signTemplate(made.body.event as JsonObject, version);
    const sendJoin = (eventId: string, body: JsonObject) => fx.peer.call(DAGMAR, 'PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(eventId)}`, { body });

    const wrongId = await sendJoin(version === '1' ? '$other:peer.test' : '$notthehashofthisevent', join.pdu as unknown as JsonObject);
    expect(wrongId.status).toBe(400);
    expect(wrongId.body.errcode).toBe('M_BAD_JSON');

    // Same event, signature by a key the peer never published.
    const forger = new TestPeer('peer.test');
    const forged = forger.signTemplate(made.body.event as JsonObject, version);
    const forgedAnswer = await sendJoin(forged.eventId, forged.pdu as unknown as JsonObject);
    expect(forgedAnswer.status).toBe(400);
    expect(String(forgedAnswer.body.error)).toMatch(/signature/);

    const aliceJoin = await sendJoin(join.eventId, { ...(join.pdu as unknown as JsonObject), sender: ALICE, state_key: ALICE });
    expect(aliceJoin.status).toBe(403);
    expect(aliceJoin.body.errcode).toBe('M_FORBIDDEN');

    const leaveAsJoin = await fx.peer.call(DAGMAR, 'PUT', `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(join.eventId)}`, { body: join.pdu as unknown as JsonObject });
    expect(leaveAsJoin.status).toBe(400);

    for (const id of [join.eventId, forged.eventId]) expect(fx.hs.storage.getEvent(id)).toBeUndefined();
    expect(fx.hs.rooms.membershipOf(roomId, PAT)).toBe('leave');
  });

  test('make_leave + send_leave take a joined peer user out of the room', async () => {
    const roomId = await createRoom(fx.hs, version);
    await fx.peer.join(DAGMAR, roomId, PAT);
    const made = await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(PAT)}`);
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ room_version: version, event: { type: 'm.room.member', state_key: PAT, content: { membership: 'leave' } } });
    const leave = fx.peer.signTemplate(made.body.event as JsonObject, version);
    const sent = await fx.peer.call(DAGMAR, 'PUT', `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(leave.eventId)}`, { body: leave.pdu as unknown as JsonObject });
    expect(sent).toEqual({ status: 200, body: {} });
    expect(fx.hs.rooms.membershipOf(roomId, PAT)).toBe('leave');
    expect(stored(fx.hs, leave.eventId).content.membership).toBe('leave');
    expect(fx.hs.rooms.joinedServers(roomId)).toEqual([DAGMAR]);
  });
});

describe('make_join errors', () => {
  test('unknown room → 404 M_NOT_FOUND; another server’s user → 403; invite-only room → 403', async () => {
    const unknown = await fx.peer.call(DAGMAR, 'GET', makeJoinPath('!nowhere:dagmar.test', PAT), { query: { ver: ['10'] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe('M_NOT_FOUND');

    const roomId = await createRoom(fx.hs, '10');
    const notOurs = await fx.peer.call(DAGMAR, 'GET', makeJoinPath(roomId, '@someone:elsewhere.test'), { query: { ver: ['10'] } });
    expect(notOurs.status).toBe(403);
    expect(notOurs.body.errcode).toBe('M_FORBIDDEN');

    const privateRoom = await fx.hs.rooms.createRoom({ creator: ALICE, roomVersion: '10', preset: 'private_chat' });
    const inviteOnly = await fx.peer.call(DAGMAR, 'GET', makeJoinPath(privateRoom, PAT), { query: { ver: ['10'] } });
    expect(inviteOnly.status).toBe(403);
    expect(inviteOnly.body.errcode).toBe('M_FORBIDDEN');
  });
});
