// GET/PUT /_matrix/client/v3/user/{userId}/account_data/{type} and
// …/user/{userId}/rooms/{roomId}/account_data/{type} (client-server API "Client Config"): a user's own
// data, sent to their clients in /sync's account_data.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { parseRoomId } from '../protocol/identifiers';
import { jsonBodyOf, requiredParam } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';

export function accountDataRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const target = (ctx: Context, perRoom: boolean): { userId: string; roomId: string; type: string } => {
    const user = authenticate(ctx, cx.storage);
    if (requiredParam(ctx, 'userId') !== user.userId) throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot access the account data of another user');
    const roomId = perRoom ? requiredParam(ctx, 'roomId') : '';
    if (perRoom && !parseRoomId(roomId)) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid room ID ${roomId}`);
    return { userId: user.userId, roomId, type: requiredParam(ctx, 'type') };
  };

  for (const [path, perRoom] of [['/user/:userId/account_data/:type', false], ['/user/:userId/rooms/:roomId/account_data/:type', true]] as const) {
    router.put(clientPaths(path), (ctx) => {
      const { userId, roomId, type } = target(ctx, perRoom);
      // Types the server controls (spec: 405 M_BAD_JSON): push rules live behind /pushrules, read markers behind /read_markers.
      if (type === 'm.push_rules' || type === 'm.fully_read') throw new MatrixError(405, 'M_BAD_JSON', `${type} is controlled by the server`);
      cx.storage.accountData.put(userId, roomId, type, jsonBodyOf(ctx));
      cx.notifier.userChanged(userId);
      ctx.body = {};
    });
    router.get(clientPaths(path), (ctx) => {
      const { userId, roomId, type } = target(ctx, perRoom);
      const content = cx.storage.accountData.get(userId, roomId, type);
      if (!content) throw new MatrixError(404, 'M_NOT_FOUND', `No account data of type ${type}`);
      ctx.body = content;
    });
  }
  return router;
}
