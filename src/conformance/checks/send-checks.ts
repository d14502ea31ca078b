// Checks of PUT /send: how the target's forward extremities move with forks, merges, rejected and
// soft-failed events, broken signatures and hashes, and events whose parents it has to fetch.
import type { RoomEvent } from '../../protocol/room-event';
import { Check, CheckFailure, require_, short } from '../check';
import type { CheckContext } from '../check-context';
import type { ConformancePeer } from '../conformance-peer';
import { reparent } from './reparent';

const say = (peer: ConformancePeer, roomId: string, sender: string, body: string, prevEvents?: readonly string[]): Promise<RoomEvent> =>
  peer.buildEvent(roomId, { type: 'm.room.message', sender, content: { msgtype: 'm.text', body } }, prevEvents ? { prevEvents } : {});

function accepted(results: Record<string, { error?: string }>, ids: readonly string[]): void {
  for (const id of ids) {
    require_(id in results, `no per-PDU result for ${id} (results for ${short(Object.keys(results))})`);
    require_(results[id]?.error === undefined, `${id} was refused: ${results[id]?.error}`);
  }
}

/** Raises events_default to 50 (the peer's users have 0) and returns the PL event ID. */
async function restrictMessages(ctx: CheckContext, roomId: string, users: Record<string, number> = {}): Promise<string> {
  const pl = await ctx.user.getState(roomId, 'm.room.power_levels');
  return ctx.user.putState(roomId, 'm.room.power_levels', { ...pl, events_default: 50, users: { ...(pl.users as object), ...users } });
}

async function peerHas(ctx: CheckContext, peer: ConformancePeer, eventId: string): Promise<void> {
  const has = () => {
    try {
      peer.event(eventId);
      return true;
    } catch {
      return false;
    }
  };
  if (!(await ctx.until(has))) throw new CheckFailure(`the target never sent ${eventId} to the peer, which is in the room`);
}

export const sendChecks: Check[] = [
  {
    name: 'send.fork-extremities',
    section: 'S2S §Transactions (PUT /send: per-PDU results); §Room DAG forward extremities',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ─┬─ a        both tips become extremities; join leaves the set
      //         └─ b
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const a = await say(peer, roomId, userId, 'fork a', [join.eventId]);
      const b = await say(peer, roomId, userId, 'fork b', [join.eventId]);
      accepted(await ctx.send([a, b]), [a.eventId, b.eventId]);
      await ctx.converge(roomId, [a.eventId, b.eventId], 'after a fork of two');
      return `per-PDU results {} for both; extremities ${short([a.eventId, b.eventId])}`;
    },
  },
  {
    name: 'send.merge-collapses',
    section: 'S2S §Transactions; §Room DAG forward extremities',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ─┬─ a ─┬─ m       the merge is the one extremity left
      //         └─ b ─┘
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const a = await say(peer, roomId, userId, 'fork a', [join.eventId]);
      const b = await say(peer, roomId, userId, 'fork b', [join.eventId]);
      accepted(await ctx.send([a, b]), [a.eventId, b.eventId]);
      const m = await say(peer, roomId, userId, 'merge', [a.eventId, b.eventId]);
      accepted(await ctx.send([m]), [m.eventId]);
      await ctx.converge(roomId, [m.eventId], 'after the merge');
      return `extremities collapse to the merge ${short([m.eventId])}`;
    },
  },
  {
    name: 'send.rejected-not-extremity',
    section: 'S2S §Checks performed on receipt of a PDU (step 4: rejected); §Rejection',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ─┬─ r1 (rejected: sender not in the room)
      //         └─ r2 (rejected) ── c (valid, accepted)      → extremities [c]
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const base = await say(peer, roomId, userId, 'base', [join.eventId]);
      const stranger = `@stranger:${peer.serverName}`;
      const r1 = reparent(peer, base, [join.eventId], join.depth + 1, { sender: stranger, content: { msgtype: 'm.text', body: 'r1' } });
      const r2 = reparent(peer, base, [join.eventId], join.depth + 1, { sender: stranger, content: { msgtype: 'm.text', body: 'r2' } });
      const c = reparent(peer, base, [r2.id], join.depth + 2, { content: { msgtype: 'm.text', body: 'child of a rejected event' } });
      const results = await ctx.send([r1.pdu, r2.pdu, c.pdu]);
      for (const r of [r1, r2]) require_(typeof results[r.id]?.error === 'string', `the event of a non-member ${r.id} was not refused: ${JSON.stringify(results[r.id])}`);
      accepted(results, [c.id]);
      await ctx.converge(roomId, [c.id], 'rejected events must stay out, their valid child in');
      return `both rejected (${results[r1.id]?.error?.slice(0, 40)}…); child accepted; extremities ${short([c.id])}`;
    },
  },
  {
    name: 'send.soft-fail-excluded',
    section: 'S2S §Soft failure',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ─┬─ PL (events_default 50)        current state
      //         └─ e  (allowed at join, not now) soft-failed: stays out  → extremities [PL]
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const e = await say(peer, roomId, userId, 'written before the restriction', [join.eventId]);
      const pl = await restrictMessages(ctx, roomId);
      accepted(await ctx.send([e]), [e.eventId]);
      await ctx.converge(roomId, [pl], 'a soft-failed event must not become an extremity');
      return `soft-failed event left out; extremities ${short([pl])}`;
    },
  },
  {
    name: 'send.soft-fail-merge',
    section: 'S2S §Soft failure ("a later event that references it")',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ── PL1 ── PL2 (pat may speak) ──┬── m     a merge that references the soft-failed
      //     └──── e (soft-failed) ─────────────┘          event brings it back into the DAG
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      const e = await say(peer, roomId, userId, 'written before the restriction', [join.eventId]);
      await restrictMessages(ctx, roomId);
      accepted(await ctx.send([e]), [e.eventId]);
      const pl2 = await restrictMessages(ctx, roomId, { [userId]: 50 });
      await peerHas(ctx, peer, pl2);
      const m = await say(peer, roomId, userId, 'merge', [e.eventId, pl2]);
      accepted(await ctx.send([m]), [m.eventId]);
      await ctx.converge(roomId, [m.eventId], 'the merge over the soft-failed event');
      return `merge accepted; extremities ${short([m.eventId])}`;
    },
  },
  {
    name: 'send.bad-signatures',
    section: 'S2S §Checks performed on receipt of a PDU (step 3: signatures → drop)',
    perRoomVersion: true,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const { roomId, userId } = await ctx.room(version);
      const good = await say(peer, roomId, userId, 'never sent signed');
      const unsigned = peer.breakPdu(good, 'unsigned');
      const results = await ctx.send([unsigned]);
      require_(typeof results[good.eventId]?.error === 'string', `an unsigned PDU got ${JSON.stringify(results[good.eventId] ?? results)}`);
      const forged = peer.breakPdu(good, 'forgedSender', { sender: ctx.user.userId });
      const forgedResults = await ctx.send([forged]);
      const forgedError = Object.values(forgedResults)[0]?.error;
      require_(typeof forgedError === 'string', `a PDU whose sender's server did not sign it got ${JSON.stringify(forgedResults)}`);
      const fetched = await ctx.call('GET', `/_matrix/federation/v1/event/${encodeURIComponent(good.eventId)}`);
      require_(fetched.status === 404, `the unsigned event is served: ${fetched.status}`);
      return `unsigned: "${results[good.eventId]?.error?.slice(0, 40)}"; forged sender: "${forgedError.slice(0, 40)}"; neither stored`;
    },
  },
  {
    name: 'send.bad-hash',
    section: 'S2S §Checks performed on receipt of a PDU (step 5: hash mismatch → redact)',
    perRoomVersion: true,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const { roomId, userId } = await ctx.room(version);
      const good = await say(peer, roomId, userId, 'tampered after signing');
      const tampered = peer.breakPdu(good, 'badHash');
      const results = await ctx.send([tampered]);
      const fetched = await ctx.call<{ pdus?: Array<{ content?: Record<string, unknown> }> }>('GET', `/_matrix/federation/v1/event/${encodeURIComponent(good.eventId)}`);
      if (fetched.status === 404) return `not kept (${results[good.eventId]?.error ?? 'no error'}): the tampered content is not served`;
      const content = fetched.body.pdus?.[0]?.content ?? {};
      require_(Object.keys(content).length === 0, `the tampered content is kept and served: ${JSON.stringify(content)}`);
      return 'kept redacted: content {}';
    },
  },
  {
    name: 'send.out-of-order',
    section: 'S2S §Retrieving missing events (get_missing_events); §Checks performed on receipt of a PDU',
    perRoomVersion: true,
    async run(ctx, version) {
      //   join ── a ── b ── c      only c is sent: the target must fetch a and b from the peer
      const peer = await ctx.peer();
      const { roomId, userId } = await ctx.room(version);
      const a = await say(peer, roomId, userId, 'a');
      const b = await say(peer, roomId, userId, 'b');
      const c = await say(peer, roomId, userId, 'c');
      const before = peer.requests.length;
      accepted(await ctx.send([c]), [c.eventId]);
      const fetch = /^\/_matrix\/federation\/v1\/(get_missing_events|event|state_ids|state|backfill)\//;
      const asked = () => peer.requests.slice(before).find((r) => fetch.test(r.path) && (r.path.includes(roomId) || [a.eventId, b.eventId].some((id) => r.path.endsWith(id))));
      require_(await ctx.until(() => asked() !== undefined), `the target never asked the peer for the missing ${short([a.eventId, b.eventId])}`);
      const request = asked()!;
      require_(request.origin === ctx.target.serverName, `the fetch came with origin ${String(request.origin)}`);
      await ctx.converge(roomId, [c.eventId], 'after filling the gap');
      return `fetched with ${request.method} ${request.path.split('/').slice(0, 5).join('/')} from ${peer.serverName}; extremities ${short([c.eventId])}`;
    },
  },
];
