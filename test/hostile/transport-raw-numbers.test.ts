// Numbers judged as written, not as JSON.parse leaves them: from room version 6 events must be strict
// canonical JSON (spec "Room Versions" v6: integers only), so `1.0` and `1e10` are refused even though
// they parse to integers; before v6 they are accepted, except a `depth` not written as an integer
// (as Synapse refuses). Checked at /send (per PDU), send_join, /invite and in fetched answers.
import { checkPdu } from '../../src/crypto/pdu-checks';
import { JsonObject } from '../../src/protocol/json';
import { Pdu } from '../../src/protocol/pdu';
import { RoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion } from '../../src/protocol/room-versions';
import {DAGMAR, createRoom, enc, useEndpointFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:fx.peer.test';
const BIG = 10_000_000_000;

const fx = useEndpointFixture(['fx.peer.test']);

const copy = (event: RoomEvent): JsonObject => JSON.parse(JSON.stringify(event.pdu)) as JsonObject;
const isStored = (id: string) => fx.hs.storage.getEvent(id) !== undefined;

/**
 * Sends `body` as JSON text in which each `[pattern, replacement]` is applied once: the request is
 * signed over the parsed value, which the rewrite leaves unchanged (`5.0` parses to 5).
 */
async function putText(path: string, body: JsonObject, rewrites: Array<[string, string]>) {
  let text = JSON.stringify(body);
  for (const [from, to] of rewrites) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  expect(JSON.parse(text)).toEqual(body);
  return fx.peer.raw(fx.hs, 'PUT', path, { Authorization: fx.peer.authorization(DAGMAR, 'PUT', path, body) }, text);
}

describe.each(['1', '10', '12'])('room version %s', (version) => {
  const strict = getRoomVersion(version).strictCanonicalJson;
  let roomId: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, version);
    ({ room, join } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  test(`/send: a depth written N.0 is refused; 1e10 in content is ${strict ? 'refused' : 'accepted'}; the other PDUs are unaffected`, async () => {
    const depth = room.message(PAT, 'depth with a fraction', [join]);
    const exponent = room.build({ type: 'm.room.message', sender: PAT, content: { body: 'exponent', n: BIG }, prevEvents: [join] });
    const plain = room.message(PAT, 'plain', [join]);
    const body = { origin: 'fx.peer.test', origin_server_ts: Date.now(), pdus: [copy(depth), copy(exponent), copy(plain)] };
    const path = `/_matrix/federation/v1/send/numbers-${version}`;
    const answer = await putText(path, body, [
      // The first PDU is the one whose depth is rewritten.
      [`"depth":${depth.depth},`, `"depth":${depth.depth}.0,`],
      [`"n":${BIG}`, '"n":1e10'],
    ]);
    expect(answer.status).toBe(200);
    const results = answer.json.pdus as Record<string, { error?: string }>;
    expect(results[depth.eventId]?.error).toMatch(/non-integer number \(a fraction or exponent\): \d+\.0 at depth/);
    expect(isStored(depth.eventId)).toBe(false);
    if (strict) {
      expect(results[exponent.eventId]?.error).toMatch(/non-integer number \(a fraction or exponent\): 1e10 at content\.n/);
      expect(isStored(exponent.eventId)).toBe(false);
    } else {
      expect(results[exponent.eventId]).toEqual({});
      expect(fx.hs.storage.getEvent(exponent.eventId)?.event.content.n).toBe(BIG);
    }
    expect(results[plain.eventId]).toEqual({});
    expect(isStored(plain.eventId)).toBe(true);
  });

  test(`send_join: a join whose content holds 1.0 is ${strict ? 'refused with 400 M_BAD_JSON' : 'accepted'}`, async () => {
    const sam = '@sam:fx.peer.test';
    const made = await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(sam)}`, { query: { ver: [version] } });
    const template = made.body.event as JsonObject;
    const joinEvent = fx.peer.signTemplate({ ...template, content: { ...(template.content as JsonObject), weight: 1 } }, version);
    const path = `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(joinEvent.eventId)}`;
    const answer = await putText(path, copy(joinEvent), [['"weight":1', '"weight":1.0']]);
    if (strict) {
      expect({ status: answer.status, errcode: answer.json.errcode }).toEqual({ status: 400, errcode: 'M_BAD_JSON' });
      expect(String(answer.json.error)).toMatch(/non-integer number .*1\.0 at content\.weight/);
      expect(fx.hs.rooms.membershipOf(roomId, sam)).toBe('leave');
    } else {
      expect(answer.status).toBe(200);
      expect(fx.hs.rooms.membershipOf(roomId, sam)).toBe('join');
    }
  });

  test(`/invite: an invite whose content holds 1e10 is ${strict ? 'refused with 400 M_BAD_JSON' : 'co-signed'}`, async () => {
    const own = fx.peer.createOwnRoom('@host:fx.peer.test', version);
    const invite = own.room.build({ type: 'm.room.member', sender: '@host:fx.peer.test', stateKey: '@bob:dagmar.test', content: { membership: 'invite', n: BIG }, prevEvents: [own.tip] });
    const path = `/_matrix/federation/v2/invite/${enc(own.room.roomId)}/${enc(invite.eventId)}`;
    const answer = await putText(path, { room_version: version, event: copy(invite), invite_room_state: [] }, [[`"n":${BIG}`, '"n":1e10']]);
    if (strict) {
      expect({ status: answer.status, errcode: answer.json.errcode }).toEqual({ status: 400, errcode: 'M_BAD_JSON' });
      expect(isStored(invite.eventId)).toBe(false);
    } else {
      expect(answer.status).toBe(200);
      expect(isStored(invite.eventId)).toBe(true);
    }
  });

  test(`a /get_missing_events answer holding 1e10 in an event: that event is ${strict ? 'refused' : 'taken in'}`, async () => {
    const missing = room.build({ type: 'm.room.message', sender: PAT, content: { body: 'fetched', n: BIG }, prevEvents: [join] });
    const child = room.message(PAT, 'child', [missing]);
    fx.peer.rewriteAnswer = (path, text) => (path.includes('/get_missing_events/') ? text.replace(`"n":${BIG}`, '"n":1e10') : text);
    const answer = await fx.peer.send(DAGMAR, [child]);
    expect(fx.peer.requests).toContain(`POST /get_missing_events/${roomId}`);
    expect(answer.status).toBe(200);
    if (strict) {
      expect(isStored(missing.eventId)).toBe(false);
      expect(answer.body.pdus[child.eventId]?.error).toEqual(expect.any(String));
    } else {
      expect(isStored(missing.eventId)).toBe(true);
      expect(answer.body.pdus[child.eventId]).toEqual({});
    }
  });

  test(`an /event answer holding 1e10, fetched with dagmar's client and checked: ${strict ? 'refused' : 'accepted'}`, async () => {
    const event = room.build({ type: 'm.room.message', sender: PAT, content: { body: 'fetched', n: BIG }, prevEvents: [join] });
    fx.peer.rewriteAnswer = (_path, text) => text.replace(`"n":${BIG}`, '"n":1e10');
    const answer = await fx.hs.client.requestJson<{ pdus: unknown[] }>('fx.peer.test', 'GET', `/_matrix/federation/v1/event/${enc(event.eventId)}`);
    expect((answer.pdus[0] as Pdu).content.n).toBe(BIG);
    const checked = await checkPdu(answer.pdus[0], getRoomVersion(version), fx.hs.keyRing.lookup);
    if (strict) expect(checked).toMatchObject({ ok: false, error: { errcode: 'M_BAD_JSON', message: expect.stringMatching(/1e10 at content\.n/) } });
    else expect(checked).toMatchObject({ ok: true, event: { eventId: event.eventId } });
  });
});
