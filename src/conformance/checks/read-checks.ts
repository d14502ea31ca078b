// Checks of the read endpoints: /state, /state_ids, /event, /backfill, /get_missing_events, /event_auth;
// every PDU the target serves is verified (shape, hash, signatures, event ID).
import { toRoomEvent } from '../../protocol/room-event';
import { Check, require_, short } from '../check';
import type { CheckContext } from '../check-context';

const enc = encodeURIComponent;

async function verifyAll(ctx: CheckContext, pdus: unknown, version: string, what: string): Promise<string[]> {
  require_(Array.isArray(pdus), `${what} is not a list`);
  const ids: string[] = [];
  for (const pdu of pdus) {
    const problem = await ctx.pduProblem(pdu, version);
    require_(problem === undefined, `${what}: ${problem}`);
    ids.push(toRoomEvent(pdu as never, version).eventId);
  }
  return ids;
}

async function roomWithMessage(ctx: CheckContext, version: string) {
  const peer = await ctx.peer();
  const room = await ctx.room(version);
  const m = await peer.buildEvent(room.roomId, { type: 'm.room.message', sender: room.userId, content: { msgtype: 'm.text', body: 'read me' } });
  const results = await ctx.send([m]);
  require_(results[m.eventId] && results[m.eventId]!.error === undefined, `setup: the target refused ${m.eventId}: ${JSON.stringify(results)}`);
  return { ...room, peer, m };
}

export const readChecks: Check[] = [
  {
    name: 'reads.state-and-state-ids',
    section: 'S2S §GET /state/{roomId}, §GET /state_ids/{roomId}',
    perRoomVersion: true,
    async run(ctx, version) {
      const { roomId, m, join } = await roomWithMessage(ctx, version);
      const ids = await ctx.call<{ pdu_ids?: unknown; auth_chain_ids?: unknown }>('GET', `/_matrix/federation/v1/state_ids/${enc(roomId)}`, { query: { event_id: m.eventId } });
      require_(ids.status === 200, `/state_ids answered ${ids.status}`);
      const pduIds = ids.body.pdu_ids as string[];
      require_(Array.isArray(pduIds) && Array.isArray(ids.body.auth_chain_ids), '/state_ids lacks pdu_ids or auth_chain_ids');
      require_(pduIds.includes(join.eventId), `/state_ids at ${m.eventId} lacks the peer's join`);
      const state = await ctx.call<{ pdus?: unknown; auth_chain?: unknown }>('GET', `/_matrix/federation/v1/state/${enc(roomId)}`, { query: { event_id: m.eventId } });
      require_(state.status === 200, `/state answered ${state.status}`);
      const served = await verifyAll(ctx, state.body.pdus, version, '/state pdus');
      await verifyAll(ctx, state.body.auth_chain, version, '/state auth_chain');
      require_(new Set(served).size === new Set([...served, ...pduIds]).size && served.length === pduIds.length, `/state serves ${short(served)}, /state_ids names ${short(pduIds)}`);
      return `${pduIds.length} state events, all verified, the same in both`;
    },
  },
  {
    name: 'reads.event',
    section: 'S2S §GET /event/{eventId}',
    perRoomVersion: true,
    async run(ctx, version) {
      const { m } = await roomWithMessage(ctx, version);
      const answer = await ctx.call<{ pdus?: unknown[] }>('GET', `/_matrix/federation/v1/event/${enc(m.eventId)}`);
      require_(answer.status === 200 && Array.isArray(answer.body.pdus) && answer.body.pdus.length === 1, `/event answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 100)}`);
      const problem = await ctx.pduProblem(answer.body.pdus[0], version, m.eventId);
      require_(problem === undefined, `the served event does not verify: ${problem}`);
      return 'served, hash and signatures verify, ID matches';
    },
  },
  {
    name: 'reads.backfill',
    section: 'S2S §GET /backfill/{roomId}',
    perRoomVersion: true,
    async run(ctx, version) {
      const { roomId, m } = await roomWithMessage(ctx, version);
      const answer = await ctx.call<{ pdus?: unknown[] }>('GET', `/_matrix/federation/v1/backfill/${enc(roomId)}`, { query: { v: m.eventId, limit: 3 } });
      require_(answer.status === 200, `/backfill answered ${answer.status}`);
      const ids = await verifyAll(ctx, answer.body.pdus, version, '/backfill pdus');
      require_(ids.length > 0 && ids.length <= 3, `/backfill limit=3 served ${ids.length} events`);
      require_(ids.includes(m.eventId), `/backfill from v=${m.eventId} does not include it`);
      return `${ids.length} events (limit 3), verified, starting event included`;
    },
  },
  {
    name: 'reads.get-missing-events',
    section: 'S2S §POST /get_missing_events/{roomId}',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ── a1 ── a2 ── a3 ── a4 ── a5   ask latest [a5], earliest [join], limit 3 → a4, a3, a2
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const chain = [];
      for (let i = 1; i <= 5; i++) chain.push(await peer.buildEvent(roomId, { type: 'm.room.message', sender: userId, content: { msgtype: 'm.text', body: `a${i}` } }));
      const results = await ctx.send(chain);
      require_(chain.every((e) => results[e.eventId]?.error === undefined), `setup: the target refused part of the chain: ${JSON.stringify(results)}`);
      const a5 = chain[4]!.eventId;
      const answer = await ctx.call<{ events?: unknown[] }>('POST', `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, { body: { earliest_events: [join.eventId], latest_events: [a5], limit: 3, min_depth: 0 } });
      require_(answer.status === 200, `answered ${answer.status}`);
      const ids = await verifyAll(ctx, answer.body.events, version, 'events');
      require_(!ids.includes(a5), 'the answer includes latest_events');
      require_(!ids.includes(join.eventId), 'the answer includes earliest_events');
      require_(ids.length <= 3, `limit 3, got ${ids.length}`);
      const nearest = [chain[3]!, chain[2]!, chain[1]!].map((e) => e.eventId);
      require_(ids.length === 3 && nearest.every((id) => ids.includes(id)), `breadth-first from latest should give a4, a3, a2 ${short(nearest)}; got ${short(ids)}`);
      return 'the 3 nearest the latest (a4, a3, a2), no latest or earliest, within the limit';
    },
  },
  {
    name: 'reads.event-auth',
    section: 'S2S §GET /event_auth/{roomId}/{eventId}',
    perRoomVersion: true,
    async run(ctx, version) {
      const { roomId, m } = await roomWithMessage(ctx, version);
      const answer = await ctx.call<{ auth_chain?: unknown[] }>('GET', `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(m.eventId)}`);
      require_(answer.status === 200, `answered ${answer.status}`);
      const ids = await verifyAll(ctx, answer.body.auth_chain, version, 'auth_chain');
      const missing = m.authEventIds.filter((id) => !ids.includes(id));
      require_(missing.length === 0, `the auth chain lacks the event's own auth events ${short(missing)}`);
      return `${ids.length} events, verified, covering the event's auth events`;
    },
  },
];
