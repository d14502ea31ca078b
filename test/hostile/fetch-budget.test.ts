// The work a /send can make dagmar do is bounded (issue 10 §4): a /state_ids answer naming 2,000
// events costs one /state call, not 2,000 /event calls; a transaction's requests are capped; a peer
// that answers slowly holds the /send no longer than the deadline. Counted at the lying peer.
import { RoomEvent } from '../../src/protocol/room-event';
import { aliceSays, createRoom, DAGMAR, Fixture, startFixture } from '../federation-endpoints/support/fixture';
import { stateKey } from '../../src/protocol/state-map';
import { PeerRoom, TestPeer } from '../federation-endpoints/support/test-peer';
import type { FetchLimits } from '../../src/federation/fetch-budget';

const PAT = '@pat:peer.test';

let fx: Fixture;
let peer: TestPeer;
let roomId: string;
let room: PeerRoom;
let join: RoomEvent;

async function setUp(fetchLimits: Partial<FetchLimits> = {}): Promise<void> {
  fx = await startFixture(['peer.test'], { fetchLimits });
  peer = fx.peers[0]!;
  roomId = await createRoom(fx.hs, '10');
  ({ room, join } = await peer.join(DAGMAR, roomId, PAT));
  // The peer never has missing events to give: dagmar must go for the state instead.
  peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
    peer.requests.push('POST /get_missing_events');
    ctx.body = { events: [] };
  });
}
afterEach(() => fx.stop());

/** A message E whose only parent M dagmar does not hold (M is withheld from /get_missing_events). */
function eventOnAGap(body: string): RoomEvent {
  const m = room.message(PAT, `${body}: the gap`, [join]);
  return room.message(PAT, body, [m]);
}

/** A message dagmar can take without fetching anything, ordered last in the transaction by its depth. */
function plainMessage(): RoomEvent {
  return room.build({ type: 'm.room.message', sender: PAT, content: { msgtype: 'm.text', body: 'needs nothing' }, prevEvents: [join], extra: { depth: 1000 } });
}

const dagRequests = () => peer.requests.filter((r) => !r.startsWith('GET /_matrix/key'));

test('a state of 2,000 events we lack costs one /state call, not 2,000 /event calls', async () => {
  await setUp();
  // 2,000 joins dagmar has never seen, all real and served by the peer, then the gap M and E.
  let tip = join;
  for (let i = 0; i < 2000; i++) {
    const user = `@crowd${i}:peer.test`;
    tip = room.build({ type: 'm.room.member', sender: user, stateKey: user, content: { membership: 'join' }, prevEvents: [tip] });
  }
  const m = room.message(PAT, 'the gap', [tip]);
  const e = room.message(PAT, 'on the gap', [m]);
  const stateAtM = [...room.state.values()].filter((id) => id !== m.eventId && id !== e.eventId);
  expect(stateAtM.length).toBeGreaterThan(2000);
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.body = { pdu_ids: stateAtM, auth_chain_ids: [] };
  });
  peer.overrides.get('/_matrix/federation/v1/state/:roomId', (ctx) => {
    peer.requests.push('GET /state');
    ctx.body = { pdus: stateAtM.map((id) => peer.event(id).pdu), auth_chain: [] };
  });
  const sent = await peer.send(DAGMAR, [e]);
  expect(sent.status).toBe(200);
  expect(sent.body.pdus).toEqual({ [e.eventId]: {} });
  const requests = dagRequests();
  expect(requests.filter((r) => r === 'GET /state')).toHaveLength(1);
  // Only the gap's own event (M) is asked for singly; /state gives the state before it, not it.
  expect(requests.filter((r) => r.startsWith('GET /event/'))).toEqual([`GET /event/${m.eventId}`]);
  expect(requests).toEqual(['POST /get_missing_events', 'GET /state_ids', 'GET /state', `GET /event/${m.eventId}`]);
  expect(fx.hs.storage.getStateBefore(e.eventId).size).toBe(stateAtM.length);
  expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
}, 60_000);

test('a /state_ids answer naming 2,000 IDs of which nothing can be had gives up after one /state call', async () => {
  await setUp();
  const named = Array.from({ length: 2000 }, (_, i) => `$missing${i}`);
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.body = { pdu_ids: named, auth_chain_ids: [] };
  });
  peer.overrides.get('/_matrix/federation/v1/state/:roomId', (ctx) => {
    peer.requests.push('GET /state');
    ctx.body = { pdus: [], auth_chain: [] }; // and then it has none of them
  });
  const e = eventOnAGap('two thousand');
  const sent = await peer.send(DAGMAR, [e]);
  expect(sent.status).toBe(200);
  expect(sent.body.pdus[e.eventId]?.error).toBe('none of its prev_events could be fetched');
  expect(dagRequests()).toEqual(['POST /get_missing_events', 'GET /state_ids', 'GET /state', `GET /event/${e.prevEventIds[0]}`]);
  expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
  expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
});

test('a transaction’s requests are capped: PDUs beyond the budget are dropped with the reason, the rest go on', async () => {
  await setUp({ requestsPerTransaction: 5 });
  // The peer knows no state: each gapped PDU costs /get_missing_events and /state_ids.
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.status = 404;
    ctx.body = { errcode: 'M_NOT_FOUND', error: 'no state here' };
  });
  const gapped = [eventOnAGap('one'), eventOnAGap('two'), eventOnAGap('three'), eventOnAGap('four')];
  const plain = plainMessage();
  const sent = await peer.send(DAGMAR, [...gapped, plain]);
  expect(sent.status).toBe(200);
  expect(dagRequests().length).toBe(5);
  const results = gapped.map((e) => sent.body.pdus[e.eventId]?.error);
  expect(results.filter((r) => r === 'fetch budget spent: 5 requests for this transaction')).toHaveLength(2);
  expect(results.filter((r) => r === 'none of its prev_events could be fetched')).toHaveLength(2);
  expect(sent.body.pdus[plain.eventId]).toEqual({});
  expect(fx.hs.storage.getEvent(plain.eventId)?.outlier).toBe(false);
});

test('a PDU’s own requests are capped even when the transaction has more to give', async () => {
  await setUp({ requestsPerPdu: 1 });
  const e = eventOnAGap('alone');
  const sent = await peer.send(DAGMAR, [e]);
  expect(sent.body.pdus[e.eventId]?.error).toBe('fetch budget spent: 1 requests for this PDU');
  expect(dagRequests()).toEqual(['POST /get_missing_events']);
});

test('a peer that answers slowly holds the /send no longer than the deadline; later PDUs that need no fetch are taken', async () => {
  await setUp({ deadlineMs: 300 });
  let stalled = 0;
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', async (ctx) => {
    peer.requests.push('GET /state_ids');
    stalled++;
    // Answers after 30 s, or never, if dagmar hangs up first.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      ctx.res.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    ctx.body = { pdu_ids: [], auth_chain_ids: [] };
  });
  const first = eventOnAGap('slow one');
  const second = eventOnAGap('slow two');
  const plain = plainMessage();
  const sent = await peer.send(DAGMAR, [first, second, plain]);
  expect(sent.status).toBe(200);
  expect(sent.body.pdus[first.eventId]?.error).toBe('fetch deadline passed: 300 ms for this transaction');
  expect(sent.body.pdus[second.eventId]?.error).toBe('fetch deadline passed: 300 ms for this transaction');
  expect(sent.body.pdus[plain.eventId]).toEqual({});
  // One stalled request, then nothing more once the deadline had passed.
  expect(stalled).toBe(1);
  expect(dagRequests()).toEqual(['POST /get_missing_events', 'GET /state_ids']);
}, 20_000);

test('a few missing state events come from /event calls, at most eventConcurrency at once, and the state is taken', async () => {
  await setUp({ eventConcurrency: 3 });
  // Eight joins dagmar has not seen, then the gap M and E on top; /state_ids names them among
  // 90 events dagmar holds (under a tenth missing: single fetches beat one /state call).
  const joins: RoomEvent[] = [];
  let tip = join;
  for (let i = 0; i < 8; i++) {
    const user = `@guest${i}:peer.test`;
    tip = room.build({ type: 'm.room.member', sender: user, stateKey: user, content: { membership: 'join' }, prevEvents: [tip] });
    joins.push(tip);
  }
  const m = room.message(PAT, 'the gap', [tip]);
  const e = room.message(PAT, 'on the gap', [m]);
  const held: string[] = [];
  for (let i = 0; i < 90; i++) held.push((await aliceSays(fx.hs, roomId, `filler ${i}`)).eventId);
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.body = { pdu_ids: [...room.state.values()].filter((id) => id !== m.eventId), auth_chain_ids: held };
  });
  let inFlight = 0;
  let most = 0;
  peer.overrides.get('/_matrix/federation/v1/event/:eventId', async (ctx) => {
    peer.requests.push(`GET /event/${ctx.params.eventId}`);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 30));
    inFlight--;
    ctx.body = { origin: peer.name, origin_server_ts: Date.now(), pdus: [peer.event(ctx.params.eventId ?? '').pdu] };
  });
  const sent = await peer.send(DAGMAR, [e]);
  expect(sent.body.pdus).toEqual({ [e.eventId]: {} });
  const fetched = dagRequests().filter((r) => r.startsWith('GET /event/'));
  expect(fetched.sort()).toEqual([...joins, m].map((ev) => `GET /event/${ev.eventId}`).sort());
  expect(dagRequests()).not.toContain('GET /state');
  expect(most).toBeGreaterThan(1);
  expect(most).toBeLessThanOrEqual(3);
  for (const j of joins) expect(fx.hs.storage.getStateBefore(e.eventId).get(stateKey('m.room.member', j.stateKey!))).toBe(j.eventId);
  expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
});

test('/event calls that stall end at the deadline: only the first few were started, the PDU says deadline', async () => {
  await setUp({ deadlineMs: 300, eventConcurrency: 3 });
  const joins: RoomEvent[] = [];
  let tip = join;
  for (let i = 0; i < 8; i++) {
    const user = `@guest${i}:peer.test`;
    tip = room.build({ type: 'm.room.member', sender: user, stateKey: user, content: { membership: 'join' }, prevEvents: [tip] });
    joins.push(tip);
  }
  const e = room.message(PAT, 'on the gap', [room.message(PAT, 'the gap', [tip])]);
  const held: string[] = [];
  for (let i = 0; i < 90; i++) held.push((await aliceSays(fx.hs, roomId, `filler ${i}`)).eventId);
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.body = { pdu_ids: [...room.state.values()], auth_chain_ids: held };
  });
  peer.overrides.get('/_matrix/federation/v1/event/:eventId', async (ctx) => {
    peer.requests.push(`GET /event/${ctx.params.eventId}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      ctx.res.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    ctx.body = { pdus: [] };
  });
  const plain = plainMessage();
  const sent = await peer.send(DAGMAR, [e, plain]);
  expect(sent.body.pdus[e.eventId]?.error).toBe('fetch deadline passed: 300 ms for this transaction');
  expect(sent.body.pdus[plain.eventId]).toEqual({});
  expect(dagRequests().filter((r) => r.startsWith('GET /event/'))).toHaveLength(3);
}, 20_000);
