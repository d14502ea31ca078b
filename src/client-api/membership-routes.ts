// Room membership for clients (client-server API "Room membership"): POST /join/{roomIdOrAlias}
// (with server_name), /rooms/{roomId}/join, /leave, /invite, /kick, /ban, /unban. A room we are not
// in is joined over federation (make_join/send_join) through the given servers, the inviter's
// server and the room ID's server; an invite of another server's user is co-signed there first,
// and an invite from another server is rejected there (make_leave/send_leave).
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { joinRemoteRoom, leaveRemoteRoom } from '../federation/remote-join';
import { MatrixError } from '../protocol/errors';
import { parseRoomAlias, parseRoomId, parseUserId } from '../protocol/identifiers';
import { JsonObject } from '../protocol/json';
import { jsonBodyOf, queryList, requiredParam } from '../federation/server/request-params';
import type { Homeserver } from '../homeserver';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { pendingRemoteInvite } from './room-queries';

function reasonOf(body: JsonObject): JsonObject {
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

/** True when we hold the room's current state through a joined user of ours. */
function participating(hs: Homeserver, roomId: string): boolean {
  return hs.rooms.joinedServers(roomId).includes(hs.serverName);
}

/**
 * Joins locally when we are in the room (or it is ours and nobody of ours is left: the auth rules
 * decide), else over federation through the given servers, the inviter's and the room ID's server.
 */
async function join(hs: Homeserver, roomId: string, userId: string, viaServers: readonly string[], extra: JsonObject): Promise<void> {
  let servers: string[] = [];
  if (!participating(hs, roomId)) {
    const invite = await pendingRemoteInvite(hs.storage, roomId, userId);
    const candidates = [...viaServers, ...(invite ? [parseUserId(invite.sender)?.serverName] : []), parseRoomId(roomId)?.serverName];
    servers = [...new Set(candidates.filter((s): s is string => s !== undefined && s !== hs.serverName))];
  }
  if (servers.length > 0) {
    await joinRemoteRoom(hs, roomId, userId, servers);
    return;
  }
  if (!hs.storage.hasRoom(roomId)) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}: name a server in the room with ?server_name=`);
  await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: userId, stateKey: userId, content: { ...extra, membership: 'join' } });
}

export function membershipRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const { hs } = cx;

  const joinHandler = async (ctx: Context, roomId: string, via: readonly string[]) => {
    const user = authenticate(ctx, hs.storage);
    await join(hs, roomId, user.userId, via, reasonOf(optionalBody(ctx)));
    ctx.body = { room_id: roomId };
  };

  router.post(clientPaths('/join/:roomIdOrAlias'), async (ctx) => {
    const target = requiredParam(ctx, 'roomIdOrAlias');
    if (parseRoomAlias(target)) throw new MatrixError(404, 'M_NOT_FOUND', `Room aliases are not resolved by dagmar; join ${target} by its room ID`);
    if (!parseRoomId(target)) throw new MatrixError(400, 'M_INVALID_PARAM', `${target} is neither a room ID nor a room alias`);
    // `via` is the newer spelling of `server_name` (client-server API v1.12); both are accepted.
    await joinHandler(ctx, target, [...queryList(ctx, 'via'), ...queryList(ctx, 'server_name')]);
  });

  router.post(clientPaths('/rooms/:roomId/join'), async (ctx) => {
    const roomId = requiredParam(ctx, 'roomId');
    if (!parseRoomId(roomId)) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid room ID ${roomId}`);
    await joinHandler(ctx, roomId, []);
  });

  router.post(clientPaths('/rooms/:roomId/leave'), async (ctx) => {
    const user = authenticate(ctx, hs.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const body = optionalBody(ctx);
    const membership = hs.rooms.membershipOf(roomId, user.userId);
    if (!participating(hs, roomId) || !['join', 'invite', 'knock'].includes(membership)) {
      // An invite held only as an outlier is rejected through the inviting server (make_leave/send_leave).
      const invite = await pendingRemoteInvite(hs.storage, roomId, user.userId);
      const inviter = invite ? parseUserId(invite.sender)?.serverName : undefined;
      if (!inviter) throw new MatrixError(403, 'M_FORBIDDEN', `${user.userId} is not in room ${roomId}`);
      await leaveRemoteRoom(hs, roomId, user.userId, [inviter]);
      ctx.body = {};
      return;
    }
    await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: user.userId, stateKey: user.userId, content: { ...reasonOf(body), membership: 'leave' } });
    ctx.body = {};
  });

  /** invite, kick, ban and unban: a membership event about another user, sent by the caller. */
  const moderation = (action: string, membership: string, targetMustBe?: readonly string[]) =>
    router.post(clientPaths(`/rooms/:roomId/${action}`), async (ctx) => {
      const user = authenticate(ctx, hs.storage);
      const roomId = requiredParam(ctx, 'roomId');
      const body = jsonBodyOf(ctx);
      const target = targetUserOf(body);
      if (!participating(hs, roomId) || hs.rooms.membershipOf(roomId, user.userId) !== 'join') {
        throw new MatrixError(403, 'M_FORBIDDEN', `${user.userId} is not in room ${roomId}`);
      }
      const current = hs.rooms.membershipOf(roomId, target);
      if (targetMustBe && !targetMustBe.includes(current)) throw new MatrixError(403, 'M_FORBIDDEN', `Cannot ${action} ${target}: their membership is ${current}`);
      await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: user.userId, stateKey: target, content: { ...reasonOf(body), membership } });
      ctx.body = {};
    });
  moderation('invite', 'invite');
  moderation('kick', 'leave', ['join', 'invite', 'knock']);
  moderation('ban', 'ban');
  moderation('unban', 'leave', ['ban']);
  return router;
}
