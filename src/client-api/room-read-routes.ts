// Reading rooms as a client (client-server API "Getting events for a room"): GET /rooms/{roomId}/state,
// /state/{eventType}/{stateKey}, /event/{eventId}, /members, /messages (dir, from, to, limit), and
// GET /joined_rooms. Members read; others only world_readable rooms (room-access.ts).
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { stateKey } from '../protocol/state-map';
import { queryInteger, queryList, requiredParam, requiredQuery } from '../http/request-params';
import type { Storage } from '../storage';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { clientEventOf } from './client-event';
import { assertCanRead } from './room-access';
import type { TimelinePosition } from '../storage';

const DEFAULT_MESSAGES_LIMIT = 10;
const MAX_MESSAGES_LIMIT = 1000;

/**
 * Pagination tokens name a place in the timeline by public data only (spec: tokens are opaque to
 * clients): `ts` / `te` for its start and end, `tb…` / `ta…` for the gap before / after an event, whose
 * ID follows in unpadded base64url so the token needs no escaping in a query string.
 */
export function encodeTimelineToken(position: TimelinePosition): string {
  if (position.at === 'start' || position.at === 'end') return `t${position.at[0]}`;
  return `t${position.at[0]}${Buffer.from(position.eventId, 'utf8').toString('base64url')}`;
}

function decodeToken(token: string, name: string): TimelinePosition {
  if (token === 'ts') return { at: 'start' };
  if (token === 'te') return { at: 'end' };
  const m = /^t([ab])([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw invalidToken(name);
  return { at: m[1] === 'a' ? 'after' : 'before', eventId: Buffer.from(m[2], 'base64url').toString('utf8') };
}

function invalidToken(name: string): MatrixError {
  return new MatrixError(400, 'M_INVALID_PARAM', `${name} is not a pagination token of this server`);
}

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

  router.get(clientPaths('/rooms/:roomId/messages'), (ctx) => {
    const { roomId } = readableRoom(ctx);
    const dir = requiredQuery(ctx, 'dir');
    if (dir !== 'b' && dir !== 'f') throw new MatrixError(400, 'M_INVALID_PARAM', 'dir must be b or f');
    const [fromRaw] = queryList(ctx, 'from');
    const [toRaw] = queryList(ctx, 'to');
    const from: TimelinePosition = fromRaw !== undefined ? decodeToken(fromRaw, 'from') : { at: dir === 'b' ? 'end' : 'start' };
    const to = toRaw !== undefined ? decodeToken(toRaw, 'to') : undefined;
    const limit = Math.max(1, queryInteger(ctx, 'limit', DEFAULT_MESSAGES_LIMIT, MAX_MESSAGES_LIMIT));
    // One more than asked tells whether there is a next page ("end" is omitted at the timeline's edge).
    const page = cx.storage.timelinePage(roomId, dir, from, to, limit + 1);
    // A token naming an event that is not in this room was not made for it.
    if (page === undefined) throw new MatrixError(400, 'M_INVALID_PARAM', `from or to names no event of ${roomId}`);
    const shown = page.slice(0, limit);
    const events = cx.storage.getEvents(shown);
    const now = cx.now();
    const body: Record<string, unknown> = { start: encodeTimelineToken(from), chunk: events.map((s) => clientEventOf(cx.storage, s.event, now)) };
    const last = shown[shown.length - 1];
    // The next page continues past the last event shown: below it backwards, above it forwards.
    if (page.length > limit && last !== undefined) body.end = encodeTimelineToken({ at: dir === 'b' ? 'before' : 'after', eventId: last });
    ctx.body = body;
  });

  router.get(clientPaths('/joined_rooms'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    ctx.body = { joined_rooms: cx.storage.listRooms().map((r) => r.roomId).filter((roomId) => cx.rooms.membershipOf(roomId, user.userId) === 'join') };
  });
  return router;
}
