// A resident server that lies in its send_join answer (server-server API "Joining Rooms") — the room's
// state with an event of one of our own private rooms slipped in — makes our join fail rather than
// start the room on a state with another room's event in it.
import { selectAuthEvents } from '../../src/auth';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { isJsonObject } from '../../src/protocol/json';
import { RoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion } from '../../src/protocol/room-versions';
import { EventFactory } from '../../src/testing/event-factory';
import { stateKey } from '../../src/protocol/state-map';
import {ALICE, stored, useEndpointFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom } from '../federation-endpoints/support/test-peer';

const BOSS = '@boss:fx.peer.test';

const fx = useEndpointFixture(['fx.peer.test']);

/** The peer's public room and the two routes of the join handshake; `extraState` is what it slips in. */
function residentRoom(version: string, extraState: () => RoomEvent[]): PeerRoom {
  const rv = getRoomVersion(version);
  const factory = new EventFactory({ roomVersion: version, serverName: fx.peer.name, keyId: fx.peer.key.keyId, seed: fx.peer.key.seed, startTs: Date.now() });
  const create = factory.build({
    type: 'm.room.create',
    sender: BOSS,
    stateKey: '',
    content: rv.implicitRoomCreator ? { room_version: version } : { creator: BOSS, room_version: version },
    ...(rv.roomIdFromCreateEvent ? {} : { roomId: `!resident${Date.now()}:${fx.peer.name}` }),
  });
  const room = new PeerRoom(fx.peer, create.roomId, version);
  room.learn([create]);
  const join = room.build({ type: 'm.room.member', sender: BOSS, stateKey: BOSS, content: { membership: 'join' }, prevEvents: [create] });
  // From v12 the creator holds its power implicitly and must not be listed (MSC4289).
  const power = room.build({ type: 'm.room.power_levels', sender: BOSS, stateKey: '', content: { users: rv.privilegedCreators ? {} : { [BOSS]: 100 } }, prevEvents: [join] });
  const open = room.build({ type: 'm.room.join_rules', sender: BOSS, stateKey: '', content: { join_rule: 'public' }, prevEvents: [power] });
  fx.peer.overrides.get('/_matrix/federation/v1/make_join/:roomId/:userId', (ctx) => {
    const userId = ctx.params.userId ?? '';
    const fields = { type: 'm.room.member', sender: userId, stateKey: userId, content: { membership: 'join' } };
    ctx.body = {
      room_version: version,
      event: { ...fields, state_key: userId, room_id: room.roomId, prev_events: [open.eventId], auth_events: selectAuthEvents(fields, room.state, version), depth: open.depth + 1, origin_server_ts: Date.now() },
    };
  });
  fx.peer.overrides.put('/_matrix/federation/v2/send_join/:roomId/:eventId', (ctx) => {
    fx.peer.requests.push('PUT /send_join');
    const state = [...room.state.values()].map((id) => fx.peer.event(id));
    ctx.body = { origin: fx.peer.name, event: isJsonObject(ctx.request.body) ? ctx.request.body : {}, state: [...state, ...extraState()].map((e) => e.pdu), auth_chain: state.map((e) => e.pdu), members_omitted: false };
  });
  return room;
}

describe.each(['10', '11', '12'])('room version %s', (version) => {
  test('an honest resident: the join works (the handshake itself is sound)', async () => {
    const room = residentRoom(version, () => []);
    const joined = await joinRemoteRoom(fx.hs, room.roomId, ALICE, [fx.peer.name]);
    expect(joined.outcome.status).toBe('accepted');
    expect(fx.hs.rooms.membershipOf(room.roomId, ALICE)).toBe('join');
    expect(fx.hs.storage.verifyRoom(room.roomId).problems).toEqual([]);
  });

  test('a send_join state carrying our private room’s topic fails the join; nothing of the room is stored', async () => {
    const r3 = await fx.hs.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'private_chat', topic: 'secret topic' });
    const r3Topic = stored(fx.hs, fx.hs.storage.getCurrentState(r3).get(stateKey('m.room.topic', ''))!);
    const room = residentRoom(version, () => [r3Topic]);
    await expect(joinRemoteRoom(fx.hs, room.roomId, ALICE, [fx.peer.name])).rejects.toThrow(`send_join answer carries ${r3Topic.eventId} belongs to room ${r3}`);
    expect(fx.peer.requests).toContain('PUT /send_join');
    expect(fx.hs.storage.hasRoom(room.roomId)).toBe(false);
    expect(fx.hs.storage.verifyRoom(r3).problems).toEqual([]);
  });
});
