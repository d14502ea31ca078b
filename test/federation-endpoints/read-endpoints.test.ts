// The read side of federation, asked by a joined test peer over loopback: /state and /state_ids (state
// before event_id, with its auth chain), /event, /backfill, /get_missing_events, /event_auth; history
// visibility for servers (served redacted, not withheld); and every endpoint's 404/403 access paths.
import { JsonObject } from '../../src/protocol/json';
import { Pdu } from '../../src/protocol/pdu';
import { redactEvent } from '../../src/protocol/redaction';
import { RoomEvent, toRoomEvent } from '../../src/protocol/room-event';
import { ALICE, aliceSays, aliceSets, createRoom, DAGMAR, denyServer, enc, useEndpointFixture, stored } from './support/fixture';
import { PeerRoom, TestPeer } from './support/test-peer';

const PAT = '@pat:peer.test';
const MALLORY = '@mallory:peer.test';

const fx = useEndpointFixture(['peer.test', 'outsider.test']);

const statePath = (kind: 'state' | 'state_ids', roomId: string) => `/_matrix/federation/v1/${kind}/${enc(roomId)}`;
const eventPath = (eventId: string) => `/_matrix/federation/v1/event/${enc(eventId)}`;
const backfillPath = (roomId: string) => `/_matrix/federation/v1/backfill/${enc(roomId)}`;
const missingPath = (roomId: string) => `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`;
const eventAuthPath = (roomId: string, eventId: string) => `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(eventId)}`;

/** The auth chain of `ids` walked independently over the events the peer knows (starting events excluded unless reached). */
function authChainOf(ids: readonly string[]): string[] {
  const found = new Set<string>();
  const queue = ids.flatMap((id) => fx.peer.event(id).authEventIds);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (found.has(id)) continue;
    found.add(id);
    queue.push(...fx.peer.event(id).authEventIds);
  }
  return [...found].sort();
}

const idsOf = (pdus: unknown, version: string) => (pdus as Pdu[]).map((p) => toRoomEvent(p, version).eventId);

describe.each(['1', '10', '12'])('room version %s', (version) => {
  let roomId: string;
  let room: PeerRoom;
  let join: RoomEvent;
  let joinAnswer: JsonObject;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, version);
    ({ room, join, answer: joinAnswer } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  describe('/state_ids and /state', () => {
    test('the state before a message, with the full auth chain of that state', async () => {
      const m = room.message(PAT, 'hello', [join]);
      await fx.peer.send(DAGMAR, [m]);
      const ids = await fx.peer.call<{ pdu_ids: string[]; auth_chain_ids: string[] }>(DAGMAR, 'GET', statePath('state_ids', roomId), { query: { event_id: m.eventId } });
      expect(ids.status).toBe(200);
      // The peer's own view of the state it wrote m on, join included.
      expect([...ids.body.pdu_ids].sort()).toEqual([...room.state.values()].sort());
      expect(ids.body.pdu_ids).toContain(join.eventId);
      expect([...ids.body.auth_chain_ids].sort()).toEqual(authChainOf(ids.body.pdu_ids));

      const full = await fx.peer.call(DAGMAR, 'GET', statePath('state', roomId), { query: { event_id: m.eventId } });
      expect(full.status).toBe(200);
      expect(idsOf(full.body.pdus, version).sort()).toEqual([...ids.body.pdu_ids].sort());
      expect(idsOf(full.body.auth_chain, version).sort()).toEqual([...ids.body.auth_chain_ids].sort());
      // The PDUs are the events as signed, byte for byte what the peer holds.
      for (const pdu of full.body.pdus as Pdu[]) expect(pdu).toEqual(fx.peer.event(toRoomEvent(pdu, version).eventId).pdu);
    });

    test('the state before a state event does not hold that event: at the join it is what send_join answered', async () => {
      const ids = await fx.peer.call<{ pdu_ids: string[] }>(DAGMAR, 'GET', statePath('state_ids', roomId), { query: { event_id: join.eventId } });
      expect(ids.body.pdu_ids).not.toContain(join.eventId);
      expect([...ids.body.pdu_ids].sort()).toEqual(idsOf(joinAnswer.state, version).sort());
    });

    test.each(['state', 'state_ids'] as const)('/%s: missing event_id → 400 M_MISSING_PARAM; unknown, foreign or rejected event → 404', async (kind) => {
      const missing = await fx.peer.call(DAGMAR, 'GET', statePath(kind, roomId));
      expect(missing).toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM' } });
      const unknown = await fx.peer.call(DAGMAR, 'GET', statePath(kind, roomId), { query: { event_id: '$nosuchevent' } });
      expect(unknown).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
      const otherRoom = await createRoom(fx.hs, version);
      const foreign = fx.hs.rooms.prevEventsFor(otherRoom)[0]!.eventId;
      const wrongRoom = await fx.peer.call(DAGMAR, 'GET', statePath(kind, roomId), { query: { event_id: foreign } });
      expect(wrongRoom).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
      // A rejected event is not part of the room: no state is served at it, as /event serves no PDU.
      const bad = room.message(MALLORY, 'not a member', [join]);
      await fx.peer.send(DAGMAR, [bad]);
      expect(fx.hs.storage.getEvent(bad.eventId)?.rejectedReason).toEqual(expect.any(String));
      const rejected = await fx.peer.call(DAGMAR, 'GET', statePath(kind, roomId), { query: { event_id: bad.eventId } });
      expect(rejected).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    });
  });

  describe('/event', () => {
    test('a visible event comes back as signed, with our origin', async () => {
      const m = room.message(PAT, 'fetch me', [join]);
      await fx.peer.send(DAGMAR, [m]);
      const own = await aliceSays(fx.hs, roomId, 'ours');
      for (const event of [m, own]) {
        const answer = await fx.peer.call<{ origin: string; origin_server_ts: number; pdus: Pdu[] }>(DAGMAR, 'GET', eventPath(event.eventId));
        expect(answer.status).toBe(200);
        expect(answer.body.origin).toBe(DAGMAR);
        expect(answer.body.pdus).toEqual([stored(fx.hs, event.eventId).pdu]);
        expect(toRoomEvent(answer.body.pdus[0]!, version).eventId).toBe(event.eventId);
      }
    });

    test('unknown event → 404 M_NOT_FOUND', async () => {
      const answer = await fx.peer.call(DAGMAR, 'GET', eventPath(version === '1' ? '$nothing:dagmar.test' : '$nothing'));
      expect(answer).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    });
  });

  describe('history visibility for servers', () => {
    /** Alice's room goes `visibility`, she says something, then a second peer server joins. */
    async function secretBeforeJoin(visibility: string): Promise<{ secret: RoomEvent; after: RoomEvent; late: TestPeer }> {
      await aliceSets(fx.hs, roomId, 'm.room.history_visibility', { history_visibility: visibility });
      const secret = await aliceSays(fx.hs, roomId, 'before you came');
      const late = fx.peers[1]!;
      await late.join(DAGMAR, roomId, '@lee:outsider.test');
      const after = await aliceSays(fx.hs, roomId, 'after you came');
      return { secret, after, late };
    }

    test('`joined`: an event from before the server joined is served redacted on /event, /backfill and /get_missing_events', async () => {
      const { secret, after, late } = await secretBeforeJoin('joined');
      const redacted = redactEvent(stored(fx.hs, secret.eventId).pdu, version);
      expect(redacted.content).not.toEqual(secret.content);

      const one = await late.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', eventPath(secret.eventId));
      expect(one.body.pdus).toEqual([redacted]);
      // Redacted, the event keeps its ID and its signatures: the DAG stays walkable and verifiable.
      expect(toRoomEvent(one.body.pdus[0]!, version).eventId).toBe(secret.eventId);

      const back = await late.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: after.eventId, limit: 20 } });
      const backById = new Map(back.body.pdus.map((p) => [toRoomEvent(p, version).eventId, p]));
      expect(backById.get(secret.eventId)).toEqual(redacted);
      expect(backById.get(after.eventId)).toEqual(stored(fx.hs, after.eventId).pdu);

      const missing = await late.call<{ events: Pdu[] }>(DAGMAR, 'POST', missingPath(roomId), { body: { earliest_events: [], latest_events: [after.eventId], limit: 20 } });
      const missingById = new Map(missing.body.events.map((p) => [toRoomEvent(p, version).eventId, p]));
      expect(missingById.get(secret.eventId)).toEqual(redacted);

      // The peer that was joined at the time sees it in full.
      const pat = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', eventPath(secret.eventId));
      expect(pat.body.pdus).toEqual([stored(fx.hs, secret.eventId).pdu]);
      // And the late server sees what came after its join in full.
      const later = await late.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', eventPath(after.eventId));
      expect(later.body.pdus).toEqual([stored(fx.hs, after.eventId).pdu]);
    });

    test('`shared`: the same event is served in full to the late server', async () => {
      const { secret, late } = await secretBeforeJoin('shared');
      const one = await late.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', eventPath(secret.eventId));
      expect(one.body.pdus).toEqual([stored(fx.hs, secret.eventId).pdu]);
    });
  });

  describe('/backfill', () => {
    test('the given events and those before them, deepest first, at most limit; across a fork', async () => {
      // join ─ a1 ─ a2
      //     └ b1
      const a1 = room.message(PAT, 'a1', [join]);
      const a2 = room.message(PAT, 'a2', [a1]);
      const b1 = room.message(PAT, 'b1', [join]);
      await fx.peer.send(DAGMAR, [a1, a2, b1]);
      const three = await fx.peer.call<{ origin: string; pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: [a2.eventId, b1.eventId], limit: 3 } });
      expect(three.status).toBe(200);
      expect(three.body.origin).toBe(DAGMAR);
      const ids = idsOf(three.body.pdus, version);
      expect(ids).toHaveLength(3);
      expect(ids[0]).toBe(a2.eventId);
      expect(new Set(ids)).toEqual(new Set([a2.eventId, a1.eventId, b1.eventId]));
      const more = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: [a2.eventId, b1.eventId], limit: 4 } });
      expect(idsOf(more.body.pdus, version)[3]).toBe(join.eventId);
      const depths = more.body.pdus.map((p) => p.depth);
      expect(depths).toEqual([...depths].sort((x, y) => y - x));
    });

    test('a rejected event is not served, though the walk goes on past it', async () => {
      const bad = room.message(MALLORY, 'rejected', [join]);
      const child = room.message(PAT, 'child of rejected', [bad]);
      await fx.peer.send(DAGMAR, [bad, child]);
      expect(fx.hs.storage.getEvent(bad.eventId)?.rejectedReason).toEqual(expect.any(String));
      expect(fx.hs.storage.getEvent(child.eventId)?.rejectedReason).toBeUndefined();
      const back = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: child.eventId, limit: 5 } });
      const ids = idsOf(back.body.pdus, version);
      expect(ids).toContain(child.eventId);
      expect(ids).toContain(join.eventId);
      expect(ids).not.toContain(bad.eventId);
      const missing = await fx.peer.call<{ events: Pdu[] }>(DAGMAR, 'POST', missingPath(roomId), { body: { earliest_events: [], latest_events: [child.eventId], limit: 5 } });
      const missingIds = idsOf(missing.body.events, version);
      expect(missingIds).toContain(join.eventId);
      expect(missingIds).not.toContain(bad.eventId);
    });
  });

  describe('/get_missing_events', () => {
    test('between earliest and latest, oldest first; limit keeps the ones nearest latest; min_depth cuts below', async () => {
      const m1 = room.message(PAT, 'm1', [join]);
      const m2 = room.message(PAT, 'm2', [m1]);
      const m3 = room.message(PAT, 'm3', [m2]);
      await fx.peer.send(DAGMAR, [m1, m2, m3]);
      const ask = (extra: JsonObject) => fx.peer.call<{ events: Pdu[] }>(DAGMAR, 'POST', missingPath(roomId), { body: { earliest_events: [join.eventId], latest_events: [m3.eventId], ...extra } });
      expect(idsOf((await ask({})).body.events, version)).toEqual([m1.eventId, m2.eventId]);
      expect(idsOf((await ask({ limit: 1 })).body.events, version)).toEqual([m2.eventId]);
      expect(idsOf((await ask({ min_depth: m2.depth })).body.events, version)).toEqual([m2.eventId]);
      // Neither end is returned, even when asked for with room to spare.
      expect(idsOf((await ask({ limit: 20 })).body.events, version)).not.toContain(join.eventId);
    });
  });

  describe('/event_auth', () => {
    test('the full auth chain of an event', async () => {
      const m = room.message(PAT, 'auth me', [join]);
      await fx.peer.send(DAGMAR, [m]);
      const answer = await fx.peer.call(DAGMAR, 'GET', eventAuthPath(roomId, m.eventId));
      expect(answer.status).toBe(200);
      expect(idsOf(answer.body.auth_chain, version).sort()).toEqual(authChainOf([m.eventId]));
      expect(idsOf(answer.body.auth_chain, version)).toContain(join.eventId);
    });

    test('an unknown event, or one of another room → 404 M_NOT_FOUND', async () => {
      const unknown = await fx.peer.call(DAGMAR, 'GET', eventAuthPath(roomId, '$nosuchevent'));
      expect(unknown).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
      const otherRoom = await createRoom(fx.hs, version);
      const foreign = fx.hs.rooms.prevEventsFor(otherRoom)[0]!.eventId;
      const wrongRoom = await fx.peer.call(DAGMAR, 'GET', eventAuthPath(roomId, foreign));
      expect(wrongRoom).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    });
  });

  describe('redacted events', () => {
    test('once alice redacts her message and the room name, /event, /backfill and /state serve their redacted forms', async () => {
      const message = await aliceSays(fx.hs, roomId, 'regret');
      const name = await aliceSets(fx.hs, roomId, 'm.room.name', { name: 'Secret' });
      const after = await aliceSays(fx.hs, roomId, 'after');
      const asServed = async (id: string) => ((await fx.peer.call(DAGMAR, 'GET', eventPath(id))).body.pdus as Pdu[])[0]!;
      expect((await asServed(message.eventId)).content).toEqual(message.content);
      for (const target of [message, name]) {
        await fx.hs.rooms.sendLocalEvent(roomId, { type: 'm.room.redaction', sender: ALICE, content: {}, redacts: target.eventId });
      }
      for (const target of [message, name]) {
        const served = await asServed(target.eventId);
        expect(served).toEqual(redactEvent(target.pdu, version));
        // Still the same event: its ID (v3+ the reference hash) covers only the redacted form.
        expect(toRoomEvent(served, version, { validate: false }).eventId).toBe(target.eventId);
      }
      const backfill = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: after.eventId, limit: '5' } });
      expect(backfill.body.pdus.find((p) => toRoomEvent(p, version, { validate: false }).eventId === message.eventId)?.content).toEqual({});
      const state = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', statePath('state', roomId), { query: { event_id: after.eventId } });
      expect(state.body.pdus.find((p) => p.type === 'm.room.name')?.content).toEqual({});
    });
  });
});

describe('limits (room version 10)', () => {
  let roomId: string;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, '10');
    await fx.peer.join(DAGMAR, roomId, PAT);
    for (let i = 0; i < 110; i++) await aliceSays(fx.hs, roomId, `m${i}`);
  });

  test('/backfill caps limit at 100', async () => {
    const tip = fx.hs.rooms.prevEventsFor(roomId)[0]!.eventId;
    const answer = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: tip, limit: 1000 } });
    expect(answer.body.pdus).toHaveLength(100);
    const exactly = await fx.peer.call<{ pdus: Pdu[] }>(DAGMAR, 'GET', backfillPath(roomId), { query: { v: tip, limit: 99 } });
    expect(exactly.body.pdus).toHaveLength(99);
  });

  test('/get_missing_events caps limit at 20 and defaults to 10', async () => {
    const tip = fx.hs.rooms.prevEventsFor(roomId)[0]!.eventId;
    const ask = (extra: JsonObject) => fx.peer.call<{ events: Pdu[] }>(DAGMAR, 'POST', missingPath(roomId), { body: { earliest_events: [], latest_events: [tip], ...extra } });
    expect((await ask({ limit: 50 })).body.events).toHaveLength(20);
    expect((await ask({})).body.events).toHaveLength(10);
  });
});

describe('bad parameters (room version 10)', () => {
  let roomId: string;
  let join: RoomEvent;

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, '10');
    ({ join } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  test('/backfill: no v or no limit → 400 M_MISSING_PARAM; a limit that is not a non-negative integer → 400 M_INVALID_PARAM', async () => {
    const noV = await fx.peer.call(DAGMAR, 'GET', backfillPath(roomId), { query: { limit: 10 } });
    expect(noV).toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM' } });
    const noLimit = await fx.peer.call(DAGMAR, 'GET', backfillPath(roomId), { query: { v: join.eventId } });
    expect(noLimit).toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM' } });
    for (const limit of ['ten', '-1', '1.5']) {
      const bad = await fx.peer.call(DAGMAR, 'GET', backfillPath(roomId), { query: { v: join.eventId, limit } });
      expect(bad).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
    }
  });

  test('/get_missing_events: missing or malformed fields → 400 M_BAD_JSON; no body → 400 M_NOT_JSON', async () => {
    const post = (body: JsonObject) => fx.peer.call(DAGMAR, 'POST', missingPath(roomId), { body });
    for (const body of [
      { latest_events: [join.eventId] },
      { earliest_events: [] },
      { earliest_events: 'x', latest_events: [join.eventId] },
      { earliest_events: [], latest_events: [1] },
      { earliest_events: [], latest_events: [join.eventId], limit: 'ten' },
      { earliest_events: [], latest_events: [join.eventId], limit: -1 },
      { earliest_events: [], latest_events: [join.eventId], min_depth: 1.5 },
    ] as JsonObject[]) {
      const answer = await post(body);
      expect({ body, status: answer.status, errcode: answer.body.errcode }).toEqual({ body, status: 400, errcode: 'M_BAD_JSON' });
    }
    const none = await fx.peer.call(DAGMAR, 'POST', missingPath(roomId));
    expect(none).toMatchObject({ status: 400, body: { errcode: 'M_NOT_JSON' } });
  });
});

describe('access on every room endpoint (room version 10)', () => {
  let roomId: string;
  let join: RoomEvent;
  const UNKNOWN_ROOM = '!nowhere:dagmar.test';

  beforeEach(async () => {
    roomId = await createRoom(fx.hs, '10');
    ({ join } = await fx.peer.join(DAGMAR, roomId, PAT));
  });

  /** One request per room endpoint, as `who` would make it. */
  const endpoints: Array<[string, (who: TestPeer, room: string, eventId: string) => Promise<{ status: number; body: JsonObject }>]> = [
    ['state', (who, room, eventId) => who.call(DAGMAR, 'GET', statePath('state', room), { query: { event_id: eventId } })],
    ['state_ids', (who, room, eventId) => who.call(DAGMAR, 'GET', statePath('state_ids', room), { query: { event_id: eventId } })],
    ['backfill', (who, room, eventId) => who.call(DAGMAR, 'GET', backfillPath(room), { query: { v: eventId, limit: 10 } })],
    ['get_missing_events', (who, room, eventId) => who.call(DAGMAR, 'POST', missingPath(room), { body: { earliest_events: [], latest_events: [eventId] } })],
    ['event_auth', (who, room, eventId) => who.call(DAGMAR, 'GET', eventAuthPath(room, eventId))],
    ['extremities', (who, room) => who.call(DAGMAR, 'GET', `/_matrix/federation/v1/extremities/${enc(room)}`)],
  ];

  test.each(endpoints)('/%s: unknown room → 404 M_NOT_FOUND', async (_name, ask) => {
    const answer = await ask(fx.peer, UNKNOWN_ROOM, join.eventId);
    expect(answer).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  });

  test.each(endpoints)('/%s: a server with no joined member → 403 M_FORBIDDEN', async (_name, ask) => {
    const answer = await ask(fx.peers[1]!, roomId, join.eventId);
    expect(answer).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });

  test.each(endpoints)('/%s: a joined server the ACL denies → 403 M_FORBIDDEN', async (_name, ask) => {
    expect((await ask(fx.peer, roomId, join.eventId)).status).toBe(200);
    await denyServer(fx.hs, roomId, 'peer.test');
    const answer = await ask(fx.peer, roomId, join.eventId);
    expect(answer).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });

  test('/event: an event of a room the server is not in → 403; once the ACL denies it → 403; else 200', async () => {
    const own = await aliceSays(fx.hs, roomId, 'hi');
    expect((await fx.peers[1]!.call(DAGMAR, 'GET', eventPath(own.eventId))).status).toBe(403);
    expect((await fx.peer.call(DAGMAR, 'GET', eventPath(own.eventId))).status).toBe(200);
    await denyServer(fx.hs, roomId, 'peer.test');
    const denied = await fx.peer.call(DAGMAR, 'GET', eventPath(own.eventId));
    expect(denied).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });

  test('a member who left: the server is no longer in the room', async () => {
    await fx.hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: ALICE, stateKey: PAT, content: { membership: 'ban' } });
    const answer = await fx.peer.call(DAGMAR, 'GET', statePath('state_ids', roomId), { query: { event_id: join.eventId } });
    expect(answer).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });
});
