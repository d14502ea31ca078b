// Room membership for clients (client-server API "Room membership"): POST /join/{roomIdOrAlias}
// (with server_name / via; an alias is resolved through room-alias-routes.ts), /rooms/{roomId}/join, /leave, /invite, /kick, /ban, /unban. Parsing and
// authentication only: joining and leaving, local or over federation, is RoomService.joinRoom /
// leaveRoom; an invite of another server's user is co-signed there inside sendLocalEvent.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { parseRoomAlias, parseRoomId, parseUserId } from '../protocol/identifiers';
import { JsonObject } from '../protocol/json';
import { jsonBodyOf, queryList, requiredParam } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { resolveRoomAlias } from './room-alias-routes';

function reasonOf(body: JsonObject): { reason?: string } {
  if (body.reason === undefined) return {};
  if (typeof body.reason !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'reason must be a string');
  return { reason: body.reason };
}

function targetUserOf(body: JsonObject): string {
  const userId = body.user_id;
  if (typeof userId !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing user_id');
  if (!parseUserId(userId)) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid user ID ${JSON.stringify(userId)}`);
  return userId;
}

/** The body, or {} for the membership endpoints whose body is optional. */
function optionalBody(ctx: Context): JsonObject {
  return ctx.request.body === undefined ? {} : jsonBodyOf(ctx);
}

export function membershipRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const { rooms, storage } = cx;

  const joinHandler = async (ctx: Context, roomId: string, via: readonly string[]) => {
    const user = authenticate(ctx, storage);
    // The member event carries the user's profile (client-server API "Profiles": member events mirror it).
    const content = { ...(storage.profiles.get(user.userId) ?? {}) };
    await rooms.joinRoom(roomId, user.userId, { via, content, ...reasonOf(optionalBody(ctx)) });
    ctx.body = { room_id: roomId };
  };

  router.post(clientPaths('/join/:roomIdOrAlias'), async (ctx) => {
    const target = requiredParam(ctx, 'roomIdOrAlias');
    // `via` is the newer spelling of `server_name` (client-server API v1.12); both are accepted.
    const via = [...queryList(ctx, 'via'), ...queryList(ctx, 'server_name')];
    if (parseRoomAlias(target)) {
      // An alias is resolved first (ours, or over federation at its server), then joined through the servers it names.
      authenticate(ctx, storage);
      const resolved = await resolveRoomAlias(cx, target);
      await joinHandler(ctx, resolved.room_id, [...via, ...resolved.servers.filter((s) => !via.includes(s))]);
      return;
    }
    if (!parseRoomId(target)) throw new MatrixError(400, 'M_INVALID_PARAM', `${target} is neither a room ID nor a room alias`);
    await joinHandler(ctx, target, via);
  });

  router.post(clientPaths('/rooms/:roomId/join'), async (ctx) => {
    const roomId = requiredParam(ctx, 'roomId');
    if (!parseRoomId(roomId)) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid room ID ${roomId}`);
    await joinHandler(ctx, roomId, []);
  });

  router.post(clientPaths('/rooms/:roomId/leave'), async (ctx) => {
    const user = authenticate(ctx, storage);
    const roomId = requiredParam(ctx, 'roomId');
    await rooms.leaveRoom(roomId, user.userId, reasonOf(optionalBody(ctx)));
    ctx.body = {};
  });

  /** invite, kick, ban and unban: a membership event about another user, sent by the caller. */
  const moderation = (action: string, membership: string, targetMustBe?: readonly string[]) =>
    router.post(clientPaths(`/rooms/:roomId/${action}`), async (ctx) => {
      const user = authenticate(ctx, storage);
      const roomId = requiredParam(ctx, 'roomId');
      const body = jsonBodyOf(ctx);
      const target = targetUserOf(body);
      if (!rooms.participating(roomId) || rooms.membershipOf(roomId, user.userId) !== 'join') {
        throw new MatrixError(403, 'M_FORBIDDEN', `${user.userId} is not in room ${roomId}`);
      }
      const current = rooms.membershipOf(roomId, target);
      if (targetMustBe && !targetMustBe.includes(current)) throw new MatrixError(403, 'M_FORBIDDEN', `Cannot ${action} ${target}: their membership is ${current}`);
      await rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: user.userId, stateKey: target, content: { ...reasonOf(body), membership } });
      ctx.body = {};
    });
  moderation('invite', 'invite');
  moderation('kick', 'leave', ['join', 'invite', 'knock']);
  moderation('ban', 'ban');
  moderation('unban', 'leave', ['ban']);
  return router;
}
