// Answers of the wrong shape to the intake's fetches (refused by FederationApi) give the PDU nothing to
// build on: no state from a malformed /state_ids or /state, and a malformed /event stops the single
// fetches like a lie does, while an /event with no PDU is only "the peer has none". Counted at the peer.
import type { Context } from 'koa';
import { RoomEvent } from '../../src/protocol/room-event';
import { aliceSays, createRoom, DAGMAR, Fixture, startFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom, TestPeer } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:peer.test';
const GAP_DROPPED = 'none of its prev_events could be fetched';

let fx: Fixture;
let peer: TestPeer;
let roomId: string;
let room: PeerRoom;
let join: RoomEvent;

beforeEach(async () => {
  // One /event call at a time, so that the order of the single fetches is the order of the IDs.
  fx = await startFixture(['peer.test'], { fetchLimits: { eventConcurrency: 1 } });
  peer = fx.peers[0]!;
  roomId = await createRoom(fx.hs, '10');
  ({ room, join } = await peer.join(DAGMAR, roomId, PAT));
  // The peer never has missing events to give: dagmar must go for the state at the gap instead.
  peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
    peer.requests.push('POST /get_missing_events');
    ctx.body = { events: [] };
  });
});
afterEach(() => fx.stop());

const dagRequests = () => peer.requests.filter((r) => !r.startsWith('GET /_matrix/key'));

/** `count` joins dagmar has not seen, then the gap M on top of them and E on M: E is what gets sent. */
function gapOverJoins(count: number): { joins: RoomEvent[]; m: RoomEvent; e: RoomEvent } {
  const joins: RoomEvent[] = [];
  let tip = join;
  for (let i = 0; i < count; i++) {
    const user = `@guest${i}:peer.test`;
    tip = room.build({ type: 'm.room.member', sender: user, stateKey: user, content: { membership: 'join' }, prevEvents: [tip] });
    joins.push(tip);
  }
  const m = room.message(PAT, 'the gap', [tip]);
  return { joins, m, e: room.message(PAT, 'on the gap', [m]) };
}

function recordStateAndEvent(): void {
  peer.overrides.get('/_matrix/federation/v1/state/:roomId', (ctx) => {
    peer.requests.push('GET /state');
    ctx.body = { pdus: [], auth_chain: [] };
  });
  peer.overrides.get('/_matrix/federation/v1/event/:eventId', (ctx) => {
    peer.requests.push(`GET /event/${ctx.params.eventId}`);
    ctx.status = 404;
    ctx.body = { errcode: 'M_NOT_FOUND', error: 'none' };
  });
}

test('a /state_ids answer without its lists gives no state at all (not an empty one), and nothing more is fetched', async () => {
  recordStateAndEvent();
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.body = {};
  });
  const { e } = gapOverJoins(0);
  const sent = await peer.send(DAGMAR, [e]);
  expect(sent.body.pdus[e.eventId]?.error).toBe(GAP_DROPPED);
  expect(dagRequests()).toEqual(['POST /get_missing_events', 'GET /state_ids']);
  expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
  expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
});

test('a /state answer without auth_chain gives no state, though its pdus are the real ones', async () => {
  const { joins, m, e } = gapOverJoins(5);
  const stateAtM = [...room.state.values()].filter((id) => id !== m.eventId && id !== e.eventId);
  peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    peer.requests.push('GET /state_ids');
    ctx.body = { pdu_ids: stateAtM, auth_chain_ids: [] };
  });
  peer.overrides.get('/_matrix/federation/v1/state/:roomId', (ctx) => {
    peer.requests.push('GET /state');
    ctx.body = { pdus: stateAtM.map((id) => peer.event(id).pdu) };
  });
  const sent = await peer.send(DAGMAR, [e]);
  expect(sent.body.pdus[e.eventId]?.error).toBe(GAP_DROPPED);
  expect(dagRequests()).toEqual(['POST /get_missing_events', 'GET /state_ids', 'GET /state']);
  for (const j of joins) expect(fx.hs.storage.getEvent(j.eventId)).toBeUndefined();
  expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
});

describe('single /event fetches (a few events missing among many held)', () => {
  /** Eight unseen joins and M named among 90 held events: nine single /event calls, one at a time. */
  async function sendWithEventAnswer(answer: (ctx: Context, asked: RoomEvent) => unknown): Promise<{ error: string | undefined; fetched: number }> {
    const { m, e } = gapOverJoins(8);
    const held: string[] = [];
    for (let i = 0; i < 90; i++) held.push((await aliceSays(fx.hs, roomId, `filler ${i}`)).eventId);
    peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
      peer.requests.push('GET /state_ids');
      ctx.body = { pdu_ids: [...room.state.values()].filter((id) => id !== m.eventId && id !== e.eventId), auth_chain_ids: held };
    });
    peer.overrides.get('/_matrix/federation/v1/event/:eventId', (ctx) => {
      peer.requests.push(`GET /event/${ctx.params.eventId}`);
      ctx.body = answer(ctx, peer.event(ctx.params.eventId ?? ''));
    });
    const sent = await peer.send(DAGMAR, [e]);
    expect(dagRequests()).not.toContain('GET /state');
    expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
    return { error: sent.body.pdus[e.eventId]?.error, fetched: dagRequests().filter((r) => r.startsWith('GET /event/')).length };
  }
  const transaction = (pdus: unknown[]) => ({ origin: 'peer.test', origin_server_ts: 1, pdus });

  test('well-formed answers: all nine fetched and the state is taken (the cases below differ in the answer alone)', async () => {
    expect(await sendWithEventAnswer((_ctx, asked) => transaction([asked.pdu]))).toEqual({ error: undefined, fetched: 9 });
  });

  test.each([
    ['no PDU in pdus', () => transaction([])],
    ['no pdus at all', () => ({ origin: 'peer.test', origin_server_ts: 1 })],
  ])('%s: the peer has none of them; every other event is still asked for, and without them no state', async (_name, body) => {
    expect(await sendWithEventAnswer(body)).toEqual({ error: GAP_DROPPED, fetched: 9 });
  });

  test.each([
    ['two PDUs', (asked: RoomEvent) => transaction([asked.pdu, join.pdu])],
    ['pdus that is not a list', (asked: RoomEvent) => ({ origin: 'peer.test', origin_server_ts: 1, pdus: { a: asked.pdu } })],
    ['the right PDU without origin', (asked: RoomEvent) => ({ origin_server_ts: 1, pdus: [asked.pdu] })],
  ])('%s: a malformed answer is not built on; the fetching stops at the first one', async (_name, body) => {
    expect(await sendWithEventAnswer((_ctx, asked) => body(asked))).toEqual({ error: GAP_DROPPED, fetched: 1 });
  });
});
