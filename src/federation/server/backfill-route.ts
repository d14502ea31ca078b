// GET /_matrix/federation/v1/backfill/{roomId}?v=…&limit=… (server-server API "Backfilling"): the given
// events and those before them, at most 100, redacted where the requesting server may not see them.
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import { pduForServer } from '../../rooms/server-visibility';
import type { FederationContext } from './federation-context';
import { queryInteger, queryList, requiredParam } from '../../http/request-params';
import { assertServerMayReadRoom } from './room-access';

export const MAX_BACKFILL_LIMIT = 100;

export function backfillRouter(fed: FederationContext): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/backfill/:roomId', (ctx) => {
    const roomId = requiredParam(ctx, 'roomId');
    const from = queryList(ctx, 'v');
    if (from.length === 0) throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing query parameter v');
    const limit = queryInteger(ctx, 'limit', undefined, MAX_BACKFILL_LIMIT);
    const origin = ctx.state.origin as string;
    assertServerMayReadRoom(fed.storage, roomId, origin);
    const events = fed.storage.backfill(roomId, from, limit);
    // Rejected events are not part of the room (/event answers 404 for them): the walk passes
    // through them, the answer leaves them out.
    const served = events.map((e) => fed.storage.getEvent(e.eventId)!).filter((s) => s.rejectedReason === undefined);
    const pdus = served.map((s) => pduForServer(fed.storage, s, origin));
    ctx.body = { origin: fed.serverName, origin_server_ts: fed.now(), pdus };
  });
  return router;
}
