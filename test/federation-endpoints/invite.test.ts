// PUT /_matrix/federation/v2/invite/{roomId}/{eventId} from a test peer (server-server API "Inviting to
// a room"): a good invite comes back co-signed by dagmar and is kept as an outlier; unsupported room
// versions, mismatched IDs, the wrong users, forged signatures and ACL-denied servers are refused, and
// nothing is stored.
import { verifyEventSignatures } from '../../src/crypto/event-signing';
import { JsonObject } from '../../src/protocol/json';
import { Pdu } from '../../src/protocol/pdu';
import { RoomEvent } from '../../src/protocol/room-event';
import { createRoom, DAGMAR, denyServer, enc, useEndpointFixture } from './support/fixture';
import { PeerRoom } from './support/test-peer';

const HOST = '@host:peer.test';
const BOB = '@bob:dagmar.test';

const fx = useEndpointFixture(['peer.test']);

const invitePath = (roomId: string, eventId: string) => `/_matrix/federation/v2/invite/${enc(roomId)}/${enc(eventId)}`;
const pduOf = (event: RoomEvent): JsonObject => JSON.parse(JSON.stringify(event.pdu)) as JsonObject;

describe.each(['1', '10', '12'])('room version %s', (version) => {
  let room: PeerRoom;
  let tip: RoomEvent;

  beforeEach(() => {
    ({ room, tip } = fx.peer.createOwnRoom(HOST, version));
  });

  const invite = (invitee = BOB, sender = HOST, membership = 'invite') => room.build({ type: 'm.room.member', sender, stateKey: invitee, content: { membership }, prevEvents: [tip], keepState: true });
  const put = (roomId: string, eventId: string, body: JsonObject) => fx.peer.call(DAGMAR, 'PUT', invitePath(roomId, eventId), { body });

  test('a good invite is co-signed by dagmar, otherwise unchanged, and kept as an outlier', async () => {
    const event = invite();
    const answer = await put(room.roomId, event.eventId, { room_version: version, event: pduOf(event), invite_room_state: [] });
    expect(answer.status).toBe(200);
    const signed = answer.body.event as JsonObject;
    const { [DAGMAR]: ours, ...theirs } = signed.signatures as Record<string, Record<string, string>>;
    expect({ ...signed, signatures: theirs }).toEqual(pduOf(event));
    expect(Object.keys(ours ?? {})).toEqual([fx.hs.signingKey().keyId]);
    // Both signatures verify: the inviter's, and ours as the invitee's server.
    const keys: Record<string, { keyId: string; publicKey: string }> = { 'peer.test': fx.peer.key, [DAGMAR]: fx.hs.signingKey() };
    const lookup = (server: string, keyId: string) => (keys[server]?.keyId === keyId ? { publicKey: keys[server]!.publicKey } : undefined);
    expect(await verifyEventSignatures(signed, version, lookup, [DAGMAR])).toEqual({ ok: true });
    const stored = fx.hs.storage.getEvent(event.eventId);
    expect(stored?.outlier).toBe(true);
    expect(stored?.event.pdu).toEqual(signed as unknown as Pdu);
    // Sending it again is harmless.
    expect((await put(room.roomId, event.eventId, { room_version: version, event: pduOf(event) })).status).toBe(200);
    // Holding an invite is not knowing the room: MSC4370's /extremities (and the other room endpoints) say 404.
    const extremities = await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/extremities/${enc(room.roomId)}`);
    expect(extremities).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/state_ids/${enc(room.roomId)}?event_id=${enc(event.eventId)}`)).toMatchObject({ status: 404 });
  });

  test('an unsupported or missing room_version → 400 M_INCOMPATIBLE_ROOM_VERSION, nothing stored', async () => {
    const event = invite();
    const unknown = await put(room.roomId, event.eventId, { room_version: '999', event: pduOf(event) });
    expect(unknown).toMatchObject({ status: 400, body: { errcode: 'M_INCOMPATIBLE_ROOM_VERSION', room_version: '999' } });
    const missing = await put(room.roomId, event.eventId, { event: pduOf(event) });
    expect(missing).toMatchObject({ status: 400, body: { errcode: 'M_INCOMPATIBLE_ROOM_VERSION' } });
    expect(fx.hs.storage.getEvent(event.eventId)).toBeUndefined();
  });

  test('a path that does not name the event, a malformed event, or not an invite → 400 M_BAD_JSON, nothing stored', async () => {
    const event = invite();
    const body = { room_version: version, event: pduOf(event) };
    const wrongId = await put(room.roomId, version === '1' ? '$other:peer.test' : '$notthehashofthisevent', body);
    expect(wrongId).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    const wrongRoom = await put('!elsewhere:peer.test', event.eventId, body);
    expect(wrongRoom).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    const noEvent = await put(room.roomId, event.eventId, { room_version: version });
    expect(noEvent).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    const malformed = await put(room.roomId, event.eventId, { room_version: version, event: { ...pduOf(event), depth: 'deep' } });
    expect(malformed).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    const join = invite(BOB, HOST, 'join');
    const notInvite = await put(room.roomId, join.eventId, { room_version: version, event: pduOf(join) });
    expect(notInvite).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    for (const id of [event.eventId, join.eventId]) expect(fx.hs.storage.getEvent(id)).toBeUndefined();
  });

  test('an invitee not ours, an inviter not of the requesting server, or a forged signature → 403 M_FORBIDDEN, nothing stored', async () => {
    const notOurs = invite('@carol:elsewhere.test');
    const foreignInviter = invite(BOB, '@eve:elsewhere.test');
    for (const event of [notOurs, foreignInviter]) {
      const id = event.eventId;
      const answer = await put(room.roomId, id, { room_version: version, event: pduOf(event) });
      expect({ id, status: answer.status, errcode: answer.body.errcode }).toEqual({ id, status: 403, errcode: 'M_FORBIDDEN' });
      expect(fx.hs.storage.getEvent(id)).toBeUndefined();
    }
    // Signatures are not part of the event ID, so the forged PDU keeps the honest one's ID.
    const honest = room.build({ type: 'm.room.member', sender: HOST, stateKey: '@bobby:dagmar.test', content: { membership: 'invite' }, prevEvents: [tip], keepState: true });
    const tampered = pduOf(honest);
    (tampered.signatures as Record<string, Record<string, string>>)['peer.test']![fx.peer.key.keyId] = 'A'.repeat(86);
    const answer = await put(room.roomId, honest.eventId, { room_version: version, event: tampered });
    expect(answer).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(String(answer.body.error)).toMatch(/signature/);
    expect(fx.hs.storage.getEvent(honest.eventId)).toBeUndefined();
  });
});

describe('server ACL (room version 10)', () => {
  test('an invite into a room we are in, from a server its ACL denies → 403 M_FORBIDDEN', async () => {
    const roomId = await createRoom(fx.hs, '10');
    const { room, join } = await fx.peer.join(DAGMAR, roomId, '@pat:peer.test');
    const inviteOf = (invitee: string) => room.build({ type: 'm.room.member', sender: '@pat:peer.test', stateKey: invitee, content: { membership: 'invite' }, prevEvents: [join], keepState: true });
    const allowed = inviteOf('@bob:dagmar.test');
    expect((await fx.peer.call(DAGMAR, 'PUT', invitePath(roomId, allowed.eventId), { body: { room_version: '10', event: pduOf(allowed) } })).status).toBe(200);
    await denyServer(fx.hs, roomId, 'peer.test');
    const denied = inviteOf('@dora:dagmar.test');
    const answer = await fx.peer.call(DAGMAR, 'PUT', invitePath(roomId, denied.eventId), { body: { room_version: '10', event: pduOf(denied) } });
    expect(answer).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(String(answer.body.error)).toMatch(/ACL/);
    expect(fx.hs.storage.getEvent(denied.eventId)).toBeUndefined();
  });
});
