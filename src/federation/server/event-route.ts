// GET /_matrix/federation/v1/event/{eventId} (server-server API "Retrieving events"): one PDU, redacted
// when the requesting server may not see it.
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import { pduForServer } from '../../rooms/server-visibility';
import type { FederationContext } from './federation-context';
import { requiredParam } from '../../http/request-params';
import { assertServerMayReadRoom } from './room-access';

export function eventRouter(fed: FederationContext): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/event/:eventId', (ctx) => {
    const eventId = requiredParam(ctx, 'eventId');
    const stored = fed.storage.getEvent(eventId);
    if (!stored || stored.rejectedReason !== undefined) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown event ${eventId}`);
    const origin = ctx.state.origin as string;
    assertServerMayReadRoom(fed.storage, stored.event.roomId, origin);
    ctx.body = { origin: fed.serverName, origin_server_ts: fed.now(), pdus: [pduForServer(fed.storage, stored, origin)] };
  });
  return router;
}
