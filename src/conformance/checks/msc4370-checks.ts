// Checks of MSC4370 GET /extremities/{roomId} (stable /v1 and unstable org.matrix.msc4370 paths): the
// answer is the target's current forward extremities, usable as prev_events, capped, and refused right.
import { randomBytes } from 'node:crypto';
import { MAX_PREV_EVENTS } from '../../protocol/pdu';
import type { RoomEvent } from '../../protocol/room-event';
import { Check, CheckFailure, require_, sameSet, short } from '../check';
import { CheckContext, STABLE_EXTREMITIES, UNSTABLE_EXTREMITIES } from '../check-context';

const MSC = 'MSC4370';

function extremityList(body: Record<string, unknown>): string[] {
  const list = body.prev_events;
  require_(Array.isArray(list) && list.every((id) => typeof id === 'string'), `prev_events is not a list of event IDs: ${JSON.stringify(body).slice(0, 120)}`);
  require_(list.length > 0, 'prev_events is empty (the MSC forbids an empty answer)');
  return list as string[];
}

/** A server that does not serve a path answers 404/405 M_UNRECOGNIZED (or a bare 404 from a router). */
function notServed(answer: { status: number; body: Record<string, unknown> }): boolean {
  return (answer.status === 404 || answer.status === 405 || answer.status === 400) && answer.body.errcode !== 'M_NOT_FOUND' && answer.body.errcode !== 'M_FORBIDDEN';
}

async function fork(ctx: CheckContext, version: string, width: number): Promise<{ roomId: string; tips: RoomEvent[]; userId: string }> {
  const peer = await ctx.peer();
  const { roomId, join, userId } = await ctx.room(version);
  const tips: RoomEvent[] = [];
  for (let i = 0; i < width; i++) tips.push(await peer.buildEvent(roomId, { type: 'm.room.message', sender: userId, content: { msgtype: 'm.text', body: `tip ${i}` } }, { prevEvents: [join.eventId] }));
  const results = await ctx.send(tips);
  const refused = tips.filter((t) => results[t.eventId]?.error !== undefined || !(t.eventId in results));
  require_(refused.length === 0, `setup: the target refused ${short(refused.map((t) => t.eventId))}`);
  return { roomId, tips, userId };
}

export const msc4370Checks: Check[] = [
  {
    name: 'msc4370.unstable-path',
    section: `${MSC} GET /_matrix/federation/unstable/org.matrix.msc4370/extremities`,
    perRoomVersion: true,
    async run(ctx, version) {
      const { roomId, join } = await ctx.room(version);
      const answer = await ctx.call('GET', UNSTABLE_EXTREMITIES(roomId));
      require_(answer.status === 200, `answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
      const list = extremityList(answer.body);
      require_(sameSet(list, [join.eventId]), `right after the join expected ${short([join.eventId])}, got ${short(list)}`);
      return `200 ${short(list)}`;
    },
  },
  {
    name: 'msc4370.stable-path',
    section: `${MSC} GET /_matrix/federation/v1/extremities`,
    perRoomVersion: true,
    async run(ctx, version) {
      const { roomId, join } = await ctx.room(version);
      const answer = await ctx.call('GET', STABLE_EXTREMITIES(roomId));
      if (notServed(answer)) {
        if (ctx.strictMsc4370) throw new CheckFailure(`stable path not served (${answer.status} ${String(answer.body.errcode ?? '')}) and --strict-msc4370 is set`);
        return `not served (${answer.status} ${String(answer.body.errcode ?? '')}); the unstable path is checked`;
      }
      require_(answer.status === 200, `answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
      const list = extremityList(answer.body);
      require_(sameSet(list, [join.eventId]), `right after the join expected ${short([join.eventId])}, got ${short(list)}`);
      return `200 ${short(list)}`;
    },
  },
  {
    name: 'msc4370.matches-dag',
    section: `${MSC} (the answer is the server's forward extremities)`,
    perRoomVersion: true,
    async run(ctx, version) {
      const { roomId, tips } = await fork(ctx, version, 3);
      const seen = await ctx.converge(roomId, tips.map((t) => t.eventId), 'a fork of three');
      return `the three fork tips ${short(seen)}`;
    },
  },
  {
    name: 'msc4370.current',
    section: `${MSC} (the current extremities, not a stale copy)`,
    perRoomVersion: true,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const first = await ctx.extremities(roomId);
      require_(sameSet(first, [join.eventId]), `after the join expected ${short([join.eventId])}, got ${short(first)}`);
      const next = await peer.buildEvent(roomId, { type: 'm.room.message', sender: userId, content: { msgtype: 'm.text', body: 'next' } });
      const results = await ctx.send([next]);
      require_(results[next.eventId]?.error === undefined, `setup: refused ${next.eventId}`);
      await ctx.converge(roomId, [next.eventId], 'after one more event');
      return `moved from the join to ${short([next.eventId])}`;
    },
  },
  {
    name: 'msc4370.usable-as-prev-events',
    section: `${MSC} (a caller copies the answer into prev_events)`,
    perRoomVersion: true,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const { roomId, tips, userId } = await fork(ctx, version, 2);
      const seen = await ctx.extremities(roomId);
      const built = await peer.buildEvent(roomId, { type: 'm.room.message', sender: userId, content: { msgtype: 'm.text', body: 'on the answer' } }, { prevEvents: seen });
      const results = await ctx.send([built]);
      require_(built.eventId in results && results[built.eventId]?.error === undefined, `an event on prev_events ${short(seen)} was refused: ${JSON.stringify(results[built.eventId] ?? results)}`);
      return `event on ${short(seen)} (forks ${tips.length}) accepted`;
    },
  },
  {
    name: 'msc4370.capped',
    section: `${MSC} (at most ${MAX_PREV_EVENTS} prev_events, the room version limit)`,
    perRoomVersion: true,
    async run(ctx, version) {
      const width = MAX_PREV_EVENTS + 5;
      const { roomId, tips } = await fork(ctx, version, width);
      const seen = await ctx.extremities(roomId);
      require_(seen.length > 0 && seen.length <= MAX_PREV_EVENTS, `${seen.length} prev_events for ${width} extremities`);
      const known = new Set(tips.map((t) => t.eventId));
      const strangers = seen.filter((id) => !known.has(id));
      require_(strangers.length === 0, `prev_events names events that are not extremities ${short(strangers)}`);
      return `${seen.length} of ${width} extremities`;
    },
  },
  {
    name: 'msc4370.unknown-room',
    section: `${MSC} (404 M_NOT_FOUND for an unknown room)`,
    perRoomVersion: false,
    async run(ctx) {
      const roomId = `!conformance${randomBytes(6).toString('hex')}:${ctx.target.serverName}`;
      const seen: string[] = [];
      for (const [name, path] of [['unstable', UNSTABLE_EXTREMITIES], ['stable', STABLE_EXTREMITIES]] as const) {
        const answer = await ctx.call('GET', path(roomId));
        if (name === 'stable' && notServed(answer) && !ctx.strictMsc4370) {
          seen.push('stable not served');
          continue;
        }
        require_(answer.status === 404 && answer.body.errcode === 'M_NOT_FOUND', `${name} path answered ${answer.status} ${JSON.stringify(answer.body)}`);
        seen.push(`${name} 404`);
      }
      return seen.join(', ');
    },
  },
  {
    name: 'msc4370.non-member',
    section: `${MSC} (403 M_FORBIDDEN for a server with no joined member)`,
    perRoomVersion: true,
    async run(ctx, version) {
      const outsider = await ctx.outsider();
      const { roomId } = await ctx.room(version);
      const seen: string[] = [];
      for (const [name, path] of [['unstable', UNSTABLE_EXTREMITIES], ['stable', STABLE_EXTREMITIES]] as const) {
        const answer = await ctx.call('GET', path(roomId), { peer: outsider });
        if (name === 'stable' && notServed(answer) && !ctx.strictMsc4370) {
          seen.push('stable not served');
          continue;
        }
        require_(answer.status === 403 && answer.body.errcode === 'M_FORBIDDEN', `${name} path answered ${answer.status} ${JSON.stringify(answer.body)}`);
        seen.push(`${name} 403`);
      }
      return seen.join(', ');
    },
  },
];
