// PUT /send from a joined test peer: forks, children before their parents (in one transaction and
// across transactions, with gap filling from the peer), rejected and soft-failed events, replays,
// the 50/100 limits and content-hash mismatches (server-server API "Transactions", "Checks performed
// on receipt of a PDU"), checked against what dagmar stores and its forward extremities.
import { JsonObject } from '../../src/protocol/json';
import { RoomEvent } from '../../src/protocol/room-event';
import { ALICE, aliceSays, createRoom, DAGMAR, enc, useEndpointFixture, stored } from './support/fixture';
import { PeerRoom } from './support/test-peer';

const PAT = '@pat:peer.test';
const MALLORY = '@mallory:peer.test';

const fx = useEndpointFixture(['peer.test']);

function extremities(roomId: string): string[] {
  return fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId);
}

describe.each(['1', '10', '12'])('room version %s', (version) => {
  let roomId: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, version);
    ({ room, join } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  test('a fork becomes two extremities; our next event merges it', async () => {
    const a = room.message(PAT, 'left', [join]);
    const b = room.message(PAT, 'right', [join]);
    const sent = await fx.peer.send(DAGMAR, [a, b]);
    expect(sent).toEqual({ status: 200, body: { pdus: { [a.eventId]: {}, [b.eventId]: {} } } });
    expect(extremities(roomId)).toEqual([a.eventId, b.eventId].sort());
    const merge = await aliceSays(fx.hs, roomId, 'merge');
    expect([...merge.prevEventIds].sort()).toEqual([a.eventId, b.eventId].sort());
    expect(extremities(roomId)).toEqual([merge.eventId]);
    expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
  });

  test('children before parents in one transaction are all accepted without asking the peer', async () => {
    const p1 = room.message(PAT, 'one', [join]);
    const p2 = room.message(PAT, 'two', [p1]);
    const p3 = room.message(PAT, 'three', [p2]);
    const sent = await fx.peer.send(DAGMAR, [p3, p2, p1]);
    expect(sent.body.pdus).toEqual({ [p1.eventId]: {}, [p2.eventId]: {}, [p3.eventId]: {} });
    expect(fx.peer.requests).toEqual([]);
    expect(extremities(roomId)).toEqual([p3.eventId]);
  });

  test('a child whose parents are missing makes dagmar fetch them with /get_missing_events', async () => {
    const p1 = room.message(PAT, 'one', [join]);
    const p2 = room.message(PAT, 'two', [p1]);
    const p3 = room.message(PAT, 'three', [p2]);
    const sent = await fx.peer.send(DAGMAR, [p3]);
    expect(sent.body.pdus).toEqual({ [p3.eventId]: {} });
    expect(fx.peer.requests).toContain(`POST /get_missing_events/${roomId}`);
    for (const e of [p1, p2, p3]) {
      const s = fx.hs.storage.getEvent(e.eventId);
      expect(s && { outlier: s.outlier, rejected: s.rejectedReason, soft: s.softFailed }).toEqual({ outlier: false, rejected: undefined, soft: false });
    }
    expect(extremities(roomId)).toEqual([p3.eventId]);
    expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
  });

  test('a child whose parent nobody will serve gets a per-PDU error and is not stored', async () => {
    const hidden = room.message(PAT, 'hidden', [join]);
    fx.peer.withheld.add(hidden.eventId);
    const child = room.message(PAT, 'orphan', [hidden]);
    const sent = await fx.peer.send(DAGMAR, [child]);
    expect(sent.status).toBe(200);
    expect(sent.body.pdus[child.eventId]?.error).toEqual(expect.any(String));
    expect(fx.hs.storage.getEvent(child.eventId)).toBeUndefined();
    expect(fx.hs.storage.getEvent(hidden.eventId)).toBeUndefined();
    expect(extremities(roomId)).toEqual([join.eventId]);
  });

  test('an event by a non-member is rejected: error in the map, stored as rejected, never an extremity, 404 on /event', async () => {
    const bad = room.message(MALLORY, 'let me in', [join]);
    const sent = await fx.peer.send(DAGMAR, [bad]);
    expect(sent.body.pdus[bad.eventId]?.error).toEqual(expect.any(String));
    expect(fx.hs.storage.getEvent(bad.eventId)?.rejectedReason).toEqual(expect.any(String));
    expect(extremities(roomId)).toEqual([join.eventId]);
    const fetched = await fx.peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/event/${enc(bad.eventId)}`);
    expect(fetched.status).toBe(404);
    expect(fetched.body.errcode).toBe('M_NOT_FOUND');
    // A normal child of the rejected event walks back past it (DESIGN §2 rule 3).
    const after = room.message(PAT, 'after', [bad]);
    await fx.peer.send(DAGMAR, [after]);
    expect(fx.hs.storage.getEvent(after.eventId)?.rejectedReason).toBeUndefined();
  });

  test('an event allowed at its prev_events but not by the current state is soft-failed', async () => {
    const before = room.state;
    const snapshot = new Map(before);
    // Alice raises the bar for messages; the peer has not seen it and writes on the old state.
    const pl = stored(fx.hs, fx.hs.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!);
    const raised = await fx.hs.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { ...pl.content, events_default: 50 } });
    const late = room.build({ type: 'm.room.message', sender: PAT, content: { body: 'too late' }, prevEvents: [join], authState: snapshot });
    const sent = await fx.peer.send(DAGMAR, [late]);
    // Soft-failed events are accepted for the transaction (no error), but kept out of the room's tip.
    expect(sent.body.pdus).toEqual({ [late.eventId]: {} });
    const s = fx.hs.storage.getEvent(late.eventId);
    expect(s && { soft: s.softFailed, rejected: s.rejectedReason }).toEqual({ soft: true, rejected: undefined });
    expect(extremities(roomId)).toEqual([raised.eventId]);
    expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
  });

  test('a replayed transaction ID returns the recorded answer and processes nothing new', async () => {
    const first = room.message(PAT, 'first', [join]);
    const second = room.message(PAT, 'second', [join]);
    const one = await fx.peer.send(DAGMAR, [first], 'txn-1');
    const again = await fx.peer.send(DAGMAR, [second], 'txn-1');
    expect(again).toEqual(one);
    expect(fx.hs.storage.getEvent(second.eventId)).toBeUndefined();
  });

  test('more than 50 PDUs or 100 EDUs is 400 and nothing is stored', async () => {
    const many = Array.from({ length: 51 }, (_, i) => room.message(PAT, `m${i}`, [join]));
    const tooMany = await fx.peer.send(DAGMAR, many);
    expect(tooMany.status).toBe(400);
    expect((tooMany.body as unknown as JsonObject).errcode).toBe('M_BAD_JSON');
    const edus = Array.from({ length: 101 }, () => ({ edu_type: 'm.typing', content: {} }));
    const tooManyEdus = await fx.peer.send(DAGMAR, many.slice(0, 1), undefined, edus);
    expect(tooManyEdus.status).toBe(400);
    for (const e of many) expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
    // Exactly at the limits is fine.
    const atLimit = await fx.peer.send(DAGMAR, many.slice(0, 50), undefined, edus.slice(0, 100));
    expect(atLimit.status).toBe(200);
    expect(Object.keys(atLimit.body.pdus)).toHaveLength(50);
  });

  test('a content-hash mismatch stores the event redacted', async () => {
    const honest = room.message(PAT, 'original words', [join]);
    // Content is outside the signed (redacted) form, so the signature still holds; the hash does not.
    const tampered = { ...(honest.pdu as unknown as JsonObject), content: { msgtype: 'm.text', body: 'other words' } };
    const sent = await fx.peer.send(DAGMAR, [tampered]);
    expect(sent.body.pdus).toEqual({ [honest.eventId]: {} });
    expect(stored(fx.hs, honest.eventId).content).toEqual({});
    const fetched = await fx.peer.call<{ pdus: JsonObject[] }>(DAGMAR, 'GET', `/_matrix/federation/v1/event/${enc(honest.eventId)}`);
    expect(fetched.body.pdus[0]?.content).toEqual({});
  });
});
