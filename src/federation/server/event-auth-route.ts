// GET /_matrix/federation/v1/event_auth/{roomId}/{eventId} (server-server API): the event's full auth chain.
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import type { FederationContext } from './federation-context';
import { requiredParam } from '../../http/request-params';
import { assertServerMayReadRoom } from './room-access';
import { servedPdu } from '../../rooms/redaction-application';

export function eventAuthRouter(fed: FederationContext): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/event_auth/:roomId/:eventId', (ctx) => {
    const roomId = requiredParam(ctx, 'roomId');
    const eventId = requiredParam(ctx, 'eventId');
    assertServerMayReadRoom(fed.storage, roomId, ctx.state.origin as string);
    const stored = fed.storage.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown event ${eventId} in ${roomId}`);
    ctx.body = { auth_chain: fed.storage.getEvents(fed.storage.getAuthChain([eventId])).map((s) => servedPdu(fed.storage, s.event)) };
  });
  return router;
}
