// Checks of who may ask what: unknown rooms, servers with no member, the server ACL, and X-Matrix
// request authentication (missing, forged, or addressed to another server).
import { randomBytes } from 'node:crypto';
import { Check, require_ } from '../check';
import type { CheckContext } from '../check-context';

const stateIdsPath = (roomId: string) => `/_matrix/federation/v1/state_ids/${encodeURIComponent(roomId)}`;

/** A hand-made request with this Authorization header (or none), to a room the peer is in. */
async function probe(ctx: CheckContext, version: string, authorization: (uri: string) => string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const { roomId, join } = await ctx.room(version);
  const uri = `${stateIdsPath(roomId)}?event_id=${encodeURIComponent(join.eventId)}`;
  const header = authorization(uri);
  return ctx.http.request('GET', uri, header !== undefined ? { headers: { Authorization: header } } : {});
}

export const accessChecks: Check[] = [
  {
    name: 'access.unknown-room',
    section: 'S2S §GET /make_join (404: room unknown)',
    perRoomVersion: false,
    async run(ctx) {
      const roomId = `!conformance${randomBytes(6).toString('hex')}:${ctx.target.serverName}`;
      const answer = await ctx.call('GET', `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(await ctx.peerUser())}`, { query: { ver: ['10', '11', '12'] } });
      require_(answer.status === 404, `make_join for an unknown room answered ${answer.status} ${JSON.stringify(answer.body)}`);
      return `404 ${String(answer.body.errcode ?? '')}`.trim();
    },
  },
  {
    name: 'access.non-member',
    section: 'S2S §Retrieving events (GET /state_ids, /backfill: requester must be in the room)',
    perRoomVersion: true,
    async run(ctx, version) {
      const outsider = await ctx.outsider();
      const { roomId, join } = await ctx.room(version);
      const ids = await ctx.call('GET', stateIdsPath(roomId), { query: { event_id: join.eventId }, peer: outsider });
      require_(ids.status === 403, `/state_ids for a server with no member answered ${ids.status}`);
      const back = await ctx.call('GET', `/_matrix/federation/v1/backfill/${encodeURIComponent(roomId)}`, { query: { v: join.eventId, limit: 5 }, peer: outsider });
      require_(back.status === 403, `/backfill for a server with no member answered ${back.status}`);
      return `403 ${String(ids.body.errcode)} on /state_ids and /backfill`;
    },
  },
  {
    name: 'access.server-acl',
    section: 'S2S §Server Access Control Lists (m.room.server_acl on /send per PDU and on reads)',
    perRoomVersion: true,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const { roomId, join, userId } = await ctx.room(version);
      await ctx.user.putState(roomId, 'm.room.server_acl', { allow: ['*'], deny: [peer.serverName.split(':')[0]!], allow_ip_literals: true });
      const denied = await peer.buildEvent(roomId, { type: 'm.room.message', sender: userId, content: { msgtype: 'm.text', body: 'from a denied server' } });
      const results = await ctx.send([denied]);
      require_(typeof results[denied.eventId]?.error === 'string', `a PDU from a denied server got ${JSON.stringify(results[denied.eventId] ?? results)}`);
      const read = await ctx.call('GET', stateIdsPath(roomId), { query: { event_id: join.eventId } });
      require_(read.status === 403, `/state_ids for a denied server answered ${read.status}`);
      const event = await ctx.call('GET', `/_matrix/federation/v1/event/${encodeURIComponent(join.eventId)}`);
      require_(event.status === 403, `/event for a denied server answered ${event.status}`);
      return `/send PDU refused ("${results[denied.eventId]?.error?.slice(0, 30)}"); /state_ids and /event 403`;
    },
  },
  {
    name: 'access.x-matrix-missing',
    section: 'S2S §Request Authentication (401 without X-Matrix)',
    perRoomVersion: false,
    async run(ctx, version) {
      const answer = await probe(ctx, version, () => undefined);
      require_(answer.status === 401, `an unsigned request answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 100)}`);
      return `401 ${String(answer.body.errcode ?? '')}`.trim();
    },
  },
  {
    name: 'access.x-matrix-bad-signature',
    section: 'S2S §Request Authentication (401 for a bad signature)',
    perRoomVersion: false,
    async run(ctx, version) {
      const peer = await ctx.peer();
      // A genuine signature, but over another URI: it must not verify for this one.
      const answer = await probe(ctx, version, (uri) => peer.authorization('GET', `${uri}&tampered=1`));
      require_(answer.status === 401, `a request signed over another URI answered ${answer.status}`);
      return `401 ${String(answer.body.errcode ?? '')}`.trim();
    },
  },
  {
    name: 'access.x-matrix-wrong-destination',
    section: 'S2S §Request Authentication (destination must be the receiver)',
    perRoomVersion: false,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const answer = await probe(ctx, version, (uri) => peer.authorization('GET', uri, undefined, 'elsewhere.invalid'));
      require_(answer.status === 401, `a request addressed to elsewhere.invalid answered ${answer.status}`);
      return `401 ${String(answer.body.errcode ?? '')}`.trim();
    },
  },
];
