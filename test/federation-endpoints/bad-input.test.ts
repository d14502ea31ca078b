// Bad input from a joined test peer, end to end over loopback: malformed bodies, a wrong destination,
// replayed and forged request and event signatures, PDUs over 65,536 bytes, more than 20 prev_events,
// rooms we do not know, event IDs that are not what their hashes say, and non-integers in v6+ rooms
// (server-server API "Request Authentication", "Size limits", "Checks performed on receipt of a PDU";
// room versions 6+ "canonical JSON"). Each gets the spec's errcode, or a per-PDU error in /send, and
// nothing is stored.
import { computeEventId } from '../../src/protocol/hashes';
import { JsonObject } from '../../src/protocol/json';
import { getRoomVersion } from '../../src/protocol/room-versions';
import { RoomEvent } from '../../src/protocol/room-event';
import { createRoom, DAGMAR, denyServer, enc, useEndpointFixture } from './support/fixture';
import { PeerRoom, TestPeer } from './support/test-peer';

const PAT = '@pat:peer.test';

const fx = useEndpointFixture(['peer.test']);

const sendPath = (txnId: string) => `/_matrix/federation/v1/send/${enc(txnId)}`;
const raw = (event: RoomEvent): JsonObject => JSON.parse(JSON.stringify(event.pdu)) as JsonObject;
const txn = (pdus: JsonObject[]): JsonObject => ({ origin: 'peer.test', origin_server_ts: Date.now(), pdus });

function notStored(...ids: string[]): void {
  for (const id of ids) expect({ id, stored: fx.hs.storage.getEvent(id) !== undefined }).toEqual({ id, stored: false });
}

describe.each(['1', '10', '12'])('room version %s', (version) => {
  let roomId: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, version);
    ({ room, join } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  /** The ID dagmar should report a tampered PDU under: its event_id (v1/v2) or its reference hash. */
  const idOf = (pdu: JsonObject) => computeEventId(pdu, version);

  describe('request level', () => {
    test('a body that is not JSON → 400 M_NOT_JSON; JSON that is not an object → 400 M_BAD_JSON; pdus not an array → 400 M_BAD_JSON', async () => {
      const m = room.message(PAT, 'never', [join]);
      const auth = fx.peer.authorization(DAGMAR, 'PUT', sendPath('bad-json'));
      const broken = await fx.peer.raw(fx.hs, 'PUT', sendPath('bad-json'), { Authorization: auth }, `{"pdus": [${JSON.stringify(m.pdu)}`);
      expect(broken).toMatchObject({ status: 400, json: { errcode: 'M_NOT_JSON' } });
      const array = await fx.peer.raw(fx.hs, 'PUT', sendPath('array'), { Authorization: auth }, `[${JSON.stringify(m.pdu)}]`);
      expect(array).toMatchObject({ status: 400, json: { errcode: 'M_BAD_JSON' } });
      const notArray = await fx.peer.call(DAGMAR, 'PUT', sendPath('not-array'), { body: { origin: 'peer.test', pdus: raw(m) } });
      expect(notArray).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
      notStored(m.eventId);
      // PDUs that are not objects are skipped: nothing to name them by, nothing stored.
      const junk = await fx.peer.call(DAGMAR, 'PUT', sendPath('junk'), { body: { origin: 'peer.test', pdus: [42, 'pdu', null] as never } });
      expect(junk).toEqual({ status: 200, body: { pdus: {} } });
    });

    test('a request signed for another destination → 401 M_UNAUTHORIZED, nothing stored', async () => {
      const m = room.message(PAT, 'misdirected', [join]);
      // The peer believes elsewhere.test lives at dagmar's address, so it signs for elsewhere.test.
      fx.peer.hostMap.set('elsewhere.test', fx.hs.url());
      const answer = await fx.peer.send('elsewhere.test', [m]);
      expect(answer.status).toBe(401);
      expect((answer.body as unknown as JsonObject).errcode).toBe('M_UNAUTHORIZED');
      notStored(m.eventId);
    });

    test('a replayed Authorization header on another transaction or another body → 401; the very same request replays the recorded answer', async () => {
      const first = room.message(PAT, 'first', [join]);
      const second = room.message(PAT, 'second', [join]);
      const body = txn([raw(first)]);
      const header = fx.peer.authorization(DAGMAR, 'PUT', sendPath('t1'), body);
      const ok = await fx.peer.raw(fx.hs, 'PUT', sendPath('t1'), { Authorization: header }, JSON.stringify(body));
      expect(ok).toMatchObject({ status: 200, json: { pdus: { [first.eventId]: {} } } });

      const otherTxn = await fx.peer.raw(fx.hs, 'PUT', sendPath('t2'), { Authorization: header }, JSON.stringify(body));
      expect(otherTxn).toMatchObject({ status: 401, json: { errcode: 'M_UNAUTHORIZED' } });
      const otherBody = await fx.peer.raw(fx.hs, 'PUT', sendPath('t1'), { Authorization: header }, JSON.stringify(txn([raw(second)])));
      expect(otherBody).toMatchObject({ status: 401, json: { errcode: 'M_UNAUTHORIZED' } });
      notStored(second.eventId);

      const again = await fx.peer.raw(fx.hs, 'PUT', sendPath('t1'), { Authorization: header }, JSON.stringify(body));
      expect(again.json).toEqual(ok.json);
    });

    test('a forged request signature → 401 M_UNAUTHORIZED', async () => {
      const m = room.message(PAT, 'forged request', [join]);
      const body = txn([raw(m)]);
      const forged = fx.peer.authorization(DAGMAR, 'PUT', sendPath('f1'), body).replace(/sig="[^"]+"/, `sig="${'A'.repeat(86)}"`);
      const answer = await fx.peer.raw(fx.hs, 'PUT', sendPath('f1'), { Authorization: forged }, JSON.stringify(body));
      expect(answer).toMatchObject({ status: 401, json: { errcode: 'M_UNAUTHORIZED' } });
      notStored(m.eventId);
    });
  });

  describe('per-PDU errors in /send', () => {
    test('forged, replayed, foreign-key and missing event signatures: an error each, nothing stored', async () => {
      const sig = (pdu: JsonObject) => pdu.signatures as Record<string, Record<string, string>>;
      const keyId = fx.peer.key.keyId;

      const garbage = raw(room.message(PAT, 'garbage signature', [join]));
      sig(garbage)['peer.test']![keyId] = 'A'.repeat(86);

      const donor = room.message(PAT, 'donor', [join]);
      const replayed = raw(room.message(PAT, 'replayed signature', [join]));
      sig(replayed)['peer.test']![keyId] = sig(raw(donor))['peer.test']![keyId]!;

      // Another key that calls itself the peer's: dagmar holds the real one.
      const forger = new TestPeer('peer.test');
      const forgerRoom = new PeerRoom(forger, roomId, version);
      forgerRoom.learn([...fx.peer.known.values()], false);
      forgerRoom.state.clear();
      for (const [k, v] of room.state) forgerRoom.state.set(k, v);
      const foreignKey = raw(forgerRoom.message(PAT, 'foreign key', [join]));

      const unsigned = raw(room.message(PAT, 'unsigned', [join]));
      unsigned.signatures = {};

      const pdus = [garbage, replayed, foreignKey, unsigned];
      const answer = await fx.peer.send(DAGMAR, pdus);
      expect(answer.status).toBe(200);
      for (const pdu of pdus) {
        expect(answer.body.pdus[idOf(pdu)]?.error).toMatch(/signature/);
        notStored(idOf(pdu));
      }
      expect(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([join.eventId]);
    });

    test('a PDU over 65,536 bytes: an error naming the limit, nothing stored', async () => {
      const honest = room.message(PAT, 'small', [join]);
      const big = raw(honest);
      big.content = { msgtype: 'm.text', body: 'x'.repeat(66_000) };
      const answer = await fx.peer.send(DAGMAR, [big]);
      expect(answer.status).toBe(200);
      expect(answer.body.pdus[idOf(big)]?.error).toMatch(/65536/);
      notStored(idOf(big), honest.eventId);
    });

    test('more than 20 prev_events: an error; exactly 20 is accepted', async () => {
      const forks = Array.from({ length: 20 }, (_, i) => room.message(PAT, `fork ${i}`, [join]));
      const merge = room.message(PAT, 'merge of 20', forks);
      const tooMany = raw(room.message(PAT, 'merge of 21', forks.slice(0, 1)));
      tooMany.prev_events = [...(raw(merge).prev_events as JsonObject[]), (raw(join).prev_events as JsonObject[])[0] ?? join.eventId] as never;
      expect((tooMany.prev_events as unknown[]).length).toBe(21);
      const answer = await fx.peer.send(DAGMAR, [...forks, merge, tooMany]);
      expect(answer.body.pdus[merge.eventId]).toEqual({});
      expect(answer.body.pdus[idOf(tooMany)]?.error).toMatch(/prev_events has 21 entries/);
      notStored(idOf(tooMany));
      expect(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([merge.eventId]);
    });

    test('non-integer and out-of-range numbers: refused from room version 6, accepted before', async () => {
      const strict = version !== '1';
      const withAmount = (body: string, amount: number): JsonObject => {
        if (!strict) return raw(room.build({ type: 'm.room.message', sender: PAT, content: { body, amount }, prevEvents: [join] }));
        // Our signer refuses such numbers in v6+ rooms, so the peer writes them in after signing.
        const pdu = raw(room.message(PAT, body, [join]));
        (pdu.content as JsonObject).amount = amount;
        return pdu;
      };
      const float = withAmount('float', 1.5);
      const huge = withAmount('huge', 2 ** 53);
      // A fraction where the format wants an integer is wrong in every version.
      const depth = raw(room.message(PAT, 'fractional depth', [join]));
      depth.depth = (depth.depth as number) + 0.5;

      const answer = await fx.peer.send(DAGMAR, [float, huge, depth]);
      expect(answer.status).toBe(200);
      for (const pdu of [float, huge]) {
        const id = idOf(pdu);
        if (strict) {
          expect(answer.body.pdus[id]?.error).toMatch(/integer/i);
          notStored(id);
        } else {
          expect(answer.body.pdus[id]).toEqual({});
          expect(fx.hs.storage.getEvent(id)?.event.content.amount).toBe((pdu.content as JsonObject).amount);
        }
      }
      // In v6+ the fractional depth is named by the reference hash taken leniently, as its sender took it.
      const depthId = strict ? computeEventId(depth, { ...getRoomVersion(version), strictCanonicalJson: false }) : idOf(depth);
      expect(answer.body.pdus[depthId]?.error).toMatch(/integer/);
      notStored(depthId);
      expect(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual(strict ? [join.eventId] : [idOf(float), idOf(huge)].sort());
    });

    test('an event whose claimed event_id is not the one it was signed with', async () => {
      const honest = room.message(PAT, 'who am I', [join]);
      const claimed = raw(honest);
      claimed.event_id = version === '1' ? '$claimed:peer.test' : '$claimedbutnotthehash';
      const answer = await fx.peer.send(DAGMAR, [claimed]);
      expect(answer.status).toBe(200);
      // event_id survives redaction, so it is covered by the signature (and, from v3, by the reference
      // hash that is the event ID): the event is reported under the ID it now hashes to, and refused.
      if (version === '1') expect(idOf(claimed)).toBe('$claimed:peer.test');
      else expect(idOf(claimed)).not.toBe(honest.eventId);
      expect(answer.body.pdus).toEqual({ [idOf(claimed)]: { error: expect.stringMatching(/signature/) } });
      notStored(idOf(claimed), honest.eventId, claimed.event_id as string);
    });

    test('a PDU for a room we do not know: an "unknown room" error under its event ID, nothing stored', async () => {
      const stranger = fx.peer.createOwnRoom('@host:peer.test', version);
      const m = stranger.room.message('@host:peer.test', 'elsewhere', [stranger.tip]);
      const answer = await fx.peer.send(DAGMAR, [m]);
      expect(answer).toEqual({ status: 200, body: { pdus: { [m.eventId]: { error: expect.stringMatching(/Unknown room/) } } } });
      notStored(m.eventId);
      expect(fx.hs.storage.hasRoom(stranger.room.roomId)).toBe(false);
    });

    test('a PDU from a server the room’s ACL denies: an error, nothing stored; other rooms unaffected', async () => {
      const otherRoom = await createRoom(fx.hs, version);
      const other = await fx.peer.join(DAGMAR, otherRoom, PAT);
      await denyServer(fx.hs, roomId, 'peer.test');
      const denied = room.message(PAT, 'denied', [join]);
      // The test factory numbers v1 event IDs per room: skip one so the two rooms' IDs differ.
      other.room.message(PAT, 'never sent', [other.join]);
      const allowed = other.room.message(PAT, 'allowed', [other.join]);
      expect(allowed.eventId).not.toBe(denied.eventId);
      const answer = await fx.peer.send(DAGMAR, [denied, allowed]);
      expect(answer.body.pdus[denied.eventId]?.error).toMatch(/ACL/);
      expect(answer.body.pdus[allowed.eventId]).toEqual({});
      notStored(denied.eventId);
    });
  });

  describe('send_join / send_leave', () => {
    test('send_leave with an event ID that is not the event’s → 400 M_BAD_JSON, nothing stored', async () => {
      const made = await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(PAT)}`);
      const leave = fx.peer.signTemplate(made.body.event as JsonObject, version);
      const wrong = version === '1' ? '$other:peer.test' : '$notthehashofthisevent';
      const answer = await fx.peer.call(DAGMAR, 'PUT', `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(wrong)}`, { body: leave.pdu as unknown as JsonObject });
      expect(answer).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
      notStored(leave.eventId, wrong);
      expect(fx.hs.rooms.membershipOf(roomId, PAT)).toBe('join');
    });

    test('send_join with more than 20 prev_events or over 65,536 bytes → 400, nothing stored', async () => {
      const made = await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc('@sam:peer.test')}`, { query: { ver: [version] } });
      const template = made.body.event as JsonObject;
      const refs = template.prev_events as unknown[];
      const many = fx.peer.signTemplate({ ...template, prev_events: Array(21).fill(refs[0]) }, version, { validate: false });
      const big = fx.peer.signTemplate({ ...template, content: { membership: 'join', displayname: 'x'.repeat(66_000) } }, version, { validate: false });
      for (const event of [many, big]) {
        const answer = await fx.peer.call(DAGMAR, 'PUT', `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(event.eventId)}`, { body: event.pdu as unknown as JsonObject });
        expect(answer.status).toBe(400);
        notStored(event.eventId);
      }
      expect(fx.hs.rooms.membershipOf(roomId, '@sam:peer.test')).toBe('leave');
    });
  });
});
