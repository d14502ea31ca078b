// PUT / GET / DELETE /_matrix/client/v3/directory/room/{roomAlias} and GET /rooms/{roomId}/aliases
// (client-server API "Room aliases"). Our aliases live in storage; another server's are asked over
// federation (GET /query/directory, server-server API "Querying for information").
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { parseRoomAlias, parseRoomId } from '../protocol/identifiers';
import { jsonBodyOf, requiredParam } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { assertCanRead, assertJoined } from './room-access';

/** The room an alias names and servers to join it through, ours or asked of the alias's server. */
export async function resolveRoomAlias(cx: ClientApiContext, alias: string): Promise<{ room_id: string; servers: string[] }> {
  const server = parseRoomAlias(alias)?.serverName;
  if (!server) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid room alias ${JSON.stringify(alias)}`);
  if (server === cx.serverName) {
    const found = cx.storage.roomAliases.get(alias);
    if (!found) throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
    const joined = cx.rooms.joinedServers(found.roomId);
    return { room_id: found.roomId, servers: [cx.serverName, ...joined.filter((s) => s !== cx.serverName)] };
  }
  try {
    const answer = await cx.queryDirectory(server, alias);
    if (!parseRoomId(answer.room_id)) throw new Error(`not a room ID: ${answer.room_id}`);
    return answer;
  } catch (error) {
    // Whatever went wrong there (404, unreachable, a malformed answer), the alias does not resolve.
    cx.logger.warn({ alias, err: String(error) }, 'remote room alias lookup failed');
    throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
  }
}

export function roomAliasRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const ourAlias = (ctx: Context): string => {
    const alias = requiredParam(ctx, 'roomAlias');
    const parsed = parseRoomAlias(alias);
    if (!parsed) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid room alias ${JSON.stringify(alias)}`);
    if (parsed.serverName !== cx.serverName) throw new MatrixError(400, 'M_INVALID_PARAM', `Aliases of ${parsed.serverName} are made there, not here`);
    return alias;
  };

  router.put(clientPaths('/directory/room/:roomAlias'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const alias = ourAlias(ctx);
    const roomId = jsonBodyOf(ctx).room_id;
    if (typeof roomId !== 'string' || !parseRoomId(roomId)) throw new MatrixError(400, 'M_INVALID_PARAM', 'room_id must be a room ID');
    // Only a member may point an alias at a room (Synapse asks the same).
    assertJoined(cx.rooms, roomId, user.userId);
    if (!cx.storage.roomAliases.add(alias, roomId, user.userId)) throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists`);
    ctx.body = {};
  });

  router.get(clientPaths('/directory/room/:roomAlias'), async (ctx) => {
    ctx.body = await resolveRoomAlias(cx, requiredParam(ctx, 'roomAlias'));
  });

  router.delete(clientPaths('/directory/room/:roomAlias'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const alias = ourAlias(ctx);
    const found = cx.storage.roomAliases.get(alias);
    if (!found) throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
    // The creator may remove it, and so may a server admin (client-server API: "servers may choose to…").
    if (found.creator !== user.userId && !cx.storage.users.get(user.userId)?.admin) throw new MatrixError(403, 'M_FORBIDDEN', `Only ${found.creator} may delete ${alias}`);
    cx.storage.roomAliases.delete(alias);
    ctx.body = {};
  });

  router.get(clientPaths('/rooms/:roomId/aliases'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    assertCanRead(cx.rooms, roomId, user.userId);
    ctx.body = { aliases: cx.storage.roomAliases.forRoom(roomId) };
  });
  return router;
}
