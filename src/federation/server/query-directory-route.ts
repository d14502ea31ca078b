// GET /_matrix/federation/v1/query/directory?room_alias= (server-server API "Querying for information",
// room aliases): the room one of our aliases names, and the servers in it to join through.
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import { parseRoomAlias } from '../../protocol/identifiers';
import type { FederationContext } from './federation-context';
import { requiredQuery } from '../../http/request-params';

export function queryDirectoryRouter(fed: FederationContext): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/query/directory', (ctx) => {
    const alias = requiredQuery(ctx, 'room_alias');
    const parsed = parseRoomAlias(alias);
    if (!parsed) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid room alias ${JSON.stringify(alias)}`);
    const found = parsed.serverName === fed.serverName ? fed.storage.roomAliases.get(alias) : undefined;
    if (!found) throw new MatrixError(404, 'M_NOT_FOUND', `Room alias ${alias} not found`);
    // Our own name first: we hold the alias, so we are in the room (or were when it was made).
    const joined = fed.rooms.joinedServers(found.roomId);
    ctx.body = { room_id: found.roomId, servers: [fed.serverName, ...joined.filter((s) => s !== fed.serverName)] };
  });
  return router;
}
