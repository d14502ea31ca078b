// One PDU cannot fail a /send transaction (server-server API "Transactions": every PDU gets its own
// result): an integer beyond ±(2^53−1), nesting deeper than canonical JSON allows, or a room we do not
// know each become that PDU's error; the request signature is checked over the body's exact digits;
// the other PDUs are processed and the answer is recorded for replays.
import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { signBytes } from '../../src/crypto/ed25519';
import { formatXMatrixHeader } from '../../src/federation/x-matrix';
import { canonicalJson } from '../../src/protocol/canonical-json';
import { redactedSigningText } from '../../src/protocol/hashes';
import { JsonObject } from '../../src/protocol/json';
import { RoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion } from '../../src/protocol/room-versions';
import {DAGMAR, createRoom, useEndpointFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:fx.peer.test';
const TWO_TO_63 = '9223372036854775808';
const SLOT = '__exact_digits__';

const fx = useEndpointFixture(['fx.peer.test']);

const copy = (event: RoomEvent): JsonObject => JSON.parse(JSON.stringify(event.pdu)) as JsonObject;
const fill = (text: string) => text.replace(`"${SLOT}"`, TWO_TO_63);

/**
 * The request as a sender that keeps big integers exact writes and signs it: `body` carries SLOT where
 * the integer goes; the canonical text is built with a string there and the digits put in after
 * (strings and numbers do not change key order). `exact: false` signs the rounded JS number instead.
 */
function signedSend(path: string, body: JsonObject, exact = true) {
  const request = { method: 'PUT', uri: path, origin: 'fx.peer.test', destination: DAGMAR, content: body };
  const signedText = exact ? fill(canonicalJson(request)) : canonicalJson({ ...request, content: JSON.parse(fill(JSON.stringify(body))) as JsonObject }, { strictIntegers: false });
  const sig = signBytes(Buffer.from(signedText, 'utf8'), fx.peer.key.seed);
  const header = formatXMatrixHeader({ origin: 'fx.peer.test', destination: DAGMAR, key: fx.peer.key.keyId, sig });
  return () => fx.peer.raw(fx.hs, 'PUT', path, { Authorization: header }, fill(JSON.stringify(body)));
}

describe.each(['1', '10', '12'])('room version %s', (version) => {
  let roomId: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, version);
    ({ room, join } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  test('depth 2^63: that PDU errors "integer out of range" under its exact-digit event ID; the rest is processed and recorded', async () => {
    const big = copy(room.message(PAT, 'big depth', [join]));
    big.depth = SLOT;
    const plain = room.message(PAT, 'plain', [join]);
    // The ID its sender computed: v1 carries it; from v3 the reference hash over the exact digits.
    const bigId =
      getRoomVersion(version).eventIdFormat === 'server-assigned'
        ? String(big.event_id)
        : `$${createHash('sha256').update(fill(redactedSigningText(big, version)), 'utf8').digest('base64url')}`;
    const path = `/_matrix/federation/v1/send/big-${version}`;
    const send = signedSend(path, { origin: 'fx.peer.test', origin_server_ts: Date.now(), pdus: [big, copy(plain)] });

    const answer = await send();
    expect(answer.status).toBe(200);
    expect(answer.json.pdus).toEqual({
      [bigId]: { error: expect.stringMatching(new RegExp(`integer out of range ±\\(2\\^53−1\\): ${TWO_TO_63} at depth`)) },
      [plain.eventId]: {},
    });
    expect(fx.hs.storage.getEvent(plain.eventId)).toBeDefined();
    expect(fx.hs.storage.getEvent(bigId)).toBeUndefined();
    // Recorded: the same request replays the same answer.
    expect((await send()).json).toEqual(answer.json);
  });

  test('a request signed over the rounded number (not what was sent) is refused: the signature covers the exact digits', async () => {
    const big = copy(room.message(PAT, 'big depth', [join]));
    big.depth = SLOT;
    const answer = await signedSend(`/_matrix/federation/v1/send/rounded-${version}`, { origin: 'fx.peer.test', origin_server_ts: Date.now(), pdus: [big] }, false)();
    expect(answer).toMatchObject({ status: 401, json: { errcode: 'M_UNAUTHORIZED' } });
  });

  test('content nested 1,000 deep (canonical JSON here stops at 512): that PDU errors, the others are processed', async () => {
    const deep = copy(room.message(PAT, 'deep', [join]));
    let nested: JsonObject = {};
    (deep.content as JsonObject).nested = nested;
    for (let i = 0; i < 1_000; i++) nested = nested.x = {};
    const plain = room.message(PAT, 'plain', [join]);
    // Our own canonicaliser stops at 512 levels, so the fx.peer signs with RFC 8785's (the same bytes here:
    // no key holds a character beyond U+FFFF).
    const path = `/_matrix/federation/v1/send/deep-${version}`;
    const body = { origin: 'fx.peer.test', origin_server_ts: Date.now(), pdus: [deep, copy(plain)] };
    const sig = signBytes(Buffer.from(canonicalize({ method: 'PUT', uri: path, origin: 'fx.peer.test', destination: DAGMAR, content: body }), 'utf8'), fx.peer.key.seed);
    const header = formatXMatrixHeader({ origin: 'fx.peer.test', destination: DAGMAR, key: fx.peer.key.keyId, sig });
    const answer = await fx.peer.raw(fx.hs, 'PUT', path, { Authorization: header }, JSON.stringify(body));
    expect(answer.status).toBe(200);
    const results = answer.json.pdus as Record<string, unknown>;
    expect(results[plain.eventId]).toEqual({});
    const errors = Object.entries(results).filter(([id]) => id !== plain.eventId);
    expect(errors).toEqual([[expect.any(String), { error: expect.stringMatching(/nested too deeply/) }]]);
  });

  test('a PDU for a room we do not know: an "Unknown room" entry; the other PDU is processed', async () => {
    const stranger = fx.peer.createOwnRoom('@host:fx.peer.test', version);
    const elsewhere = stranger.room.message('@host:fx.peer.test', 'elsewhere', [stranger.tip]);
    const plain = room.message(PAT, 'plain', [join]);
    const answer = await fx.peer.send(DAGMAR, [elsewhere, plain]);
    expect(answer).toEqual({ status: 200, body: { pdus: { [elsewhere.eventId]: { error: `Unknown room ${stranger.room.roomId}` }, [plain.eventId]: {} } } });
    expect(fx.hs.storage.hasRoom(stranger.room.roomId)).toBe(false);
  });
});
