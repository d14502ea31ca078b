// POST /_matrix/client/v3/user/{userId}/filter and GET …/filter/{filterId} (client-server API
// "Filtering"): a user stores filters for /sync to name by ID; only their own.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonValue } from '../protocol/json';
import { jsonBodyOf, requiredParam } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { validateFilter } from './sync-filter';

export function filterRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const owner = (ctx: Context): string => {
    const user = authenticate(ctx, cx.storage);
    if (requiredParam(ctx, 'userId') !== user.userId) throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot use the filters of another user');
    return user.userId;
  };

  router.post(clientPaths('/user/:userId/filter'), (ctx) => {
    const userId = owner(ctx);
    const body = validateFilter(jsonBodyOf(ctx));
    ctx.body = { filter_id: cx.storage.clientFilters.add(userId, JSON.stringify(body)) };
  });

  router.get(clientPaths('/user/:userId/filter/:filterId'), (ctx) => {
    const userId = owner(ctx);
    const stored = cx.storage.clientFilters.get(userId, requiredParam(ctx, 'filterId'));
    const filter = stored === undefined ? undefined : (JSON.parse(stored) as JsonValue);
    if (!isJsonObject(filter)) throw new MatrixError(404, 'M_NOT_FOUND', 'No such filter');
    ctx.body = filter;
  });
  return router;
}
