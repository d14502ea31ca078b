// Reading rooms as a client (client-server API "Getting events for a room"): GET /rooms/{roomId}/state,
// /state/{eventType}/{stateKey}, /event/{eventId}, /members, /messages (dir, from, to, limit), and
// GET /joined_rooms. Members read; others only world_readable rooms (room-access.ts).
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { stateKey } from '../state/state-map';
import { queryInteger, queryList, requiredParam, requiredQuery } from '../federation/server/request-params';
import type { Storage } from '../storage';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { clientEventOf } from './client-event';
import { assertCanRead } from './room-access';
import { TimelinePosition, timelinePage } from './room-queries';
import { listRooms } from '../admin/room-list';

const DEFAULT_MESSAGES_LIMIT = 10;
const MAX_MESSAGES_LIMIT = 1000;

/** Pagination tokens name a place in the timeline: `t<depth>_<nid>`. */
function encodeToken(position: TimelinePosition): string {
  return `t${position.depth}_${position.nid}`;
}

function decodeToken(token: string, name: string): TimelinePosition {
  const m = /^t(-?\d+)_(\d+)$/.exec(token);
  if (!m) throw new MatrixError(400, 'M_INVALID_PARAM', `${name} is not a pagination token of this server`);
  return { depth: Number(m[1]), nid: Number(m[2]) };
}

/** Before the first event (forwards) or after the newest (backwards). */
const TIMELINE_START: TimelinePosition = { depth: -1, nid: 0 };
const TIMELINE_END: TimelinePosition = { depth: Number.MAX_SAFE_INTEGER, nid: Number.MAX_SAFE_INTEGER };

function currentStateEvents(storage: Storage, roomId: string) {
  const ids = [...storage.getCurrentState(roomId).values()];
  return storage.getEvents(ids).map((s) => s.event);
}

export function roomReadRouter(cx: ClientApiContext): Router {
  const router = new Router();

  const readableRoom = (ctx: Context): { roomId: string; userId: string } => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    assertCanRead(cx.rooms, roomId, user.userId);
    return { roomId, userId: user.userId };
  };

  router.get(clientPaths('/rooms/:roomId/state'), (ctx) => {
    const { roomId } = readableRoom(ctx);
    const now = cx.now();
    ctx.body = currentStateEvents(cx.storage, roomId).map((e) => clientEventOf(cx.storage, e, now));
  });

  const getState = (ctx: Context, key: string) => {
    const { roomId } = readableRoom(ctx);
    const type = requiredParam(ctx, 'eventType');
    const id = cx.storage.getCurrentState(roomId).get(stateKey(type, key));
    const event = id ? cx.storage.getEvent(id)?.event : undefined;
    if (!event) throw new MatrixError(404, 'M_NOT_FOUND', `No ${type} state with key ${JSON.stringify(key)} in ${roomId}`);
    const shown = clientEventOf(cx.storage, event, cx.now());
    ctx.body = queryList(ctx, 'format')[0] === 'event' ? shown : shown.content;
  };
  router.get(clientPaths('/rooms/:roomId/state/:eventType/:stateKey'), (ctx) => getState(ctx, requiredParam(ctx, 'stateKey')));
  router.get(clientPaths('/rooms/:roomId/state/:eventType'), (ctx) => getState(ctx, ''));

  router.get(clientPaths('/rooms/:roomId/event/:eventId'), (ctx) => {
    const { roomId } = readableRoom(ctx);
    const eventId = requiredParam(ctx, 'eventId');
    const stored = cx.storage.getEvent(eventId);
    // Rejected and soft-failed events never reach clients; outliers have no place in the timeline.
    if (!stored || stored.event.roomId !== roomId || stored.outlier || stored.rejectedReason !== undefined || stored.softFailed) {
      throw new MatrixError(404, 'M_NOT_FOUND', `Event ${eventId} not found in ${roomId}`);
    }
    ctx.body = clientEventOf(cx.storage, stored.event, cx.now());
  });

  router.get(clientPaths('/rooms/:roomId/members'), (ctx) => {
    const { roomId } = readableRoom(ctx);
    const wanted = queryList(ctx, 'membership');
    const now = cx.now();
    const chunk = currentStateEvents(cx.storage, roomId)
      .filter((e) => e.type === 'm.room.member' && (wanted.length === 0 || wanted.includes(String(e.content.membership))))
      .map((e) => clientEventOf(cx.storage, e, now));
    ctx.body = { chunk };
  });

  router.get(clientPaths('/rooms/:roomId/messages'), async (ctx) => {
    const { roomId } = readableRoom(ctx);
    const dir = requiredQuery(ctx, 'dir');
    if (dir !== 'b' && dir !== 'f') throw new MatrixError(400, 'M_INVALID_PARAM', 'dir must be b or f');
    const [fromRaw] = queryList(ctx, 'from');
    const [toRaw] = queryList(ctx, 'to');
    const from = fromRaw !== undefined ? decodeToken(fromRaw, 'from') : dir === 'b' ? TIMELINE_END : TIMELINE_START;
    const to = toRaw !== undefined ? decodeToken(toRaw, 'to') : undefined;
    const limit = Math.max(1, queryInteger(ctx, 'limit', DEFAULT_MESSAGES_LIMIT, MAX_MESSAGES_LIMIT));
    // One more than asked tells whether there is a next page ("end" is omitted at the timeline's edge).
    const page = await timelinePage(cx.storage, roomId, dir, from, to, limit + 1);
    const shown = page.slice(0, limit);
    const events = cx.storage.getEvents(shown.map((e) => e.eventId));
    const now = cx.now();
    const body: Record<string, unknown> = { start: encodeToken(from), chunk: events.map((s) => clientEventOf(cx.storage, s.event, now)) };
    const last = shown[shown.length - 1];
    // Backwards, the next page starts below the last event shown (the walk is inclusive of `from`).
    if (page.length > limit && last) body.end = encodeToken(dir === 'b' ? { depth: last.position.depth, nid: last.position.nid - 1 } : last.position);
    ctx.body = body;
  });

  router.get(clientPaths('/joined_rooms'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    ctx.body = { joined_rooms: listRooms(cx.storage).map((r) => r.roomId).filter((roomId) => cx.rooms.membershipOf(roomId, user.userId) === 'join') };
  });
  return router;
}
