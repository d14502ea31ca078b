// GET /_matrix/federation/v1/state/{roomId} and /state_ids/{roomId} (server-server API "Retrieving
// the state of a room"): the state before `event_id`, with the auth chain of that state.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../../protocol/errors';
import type { FederationContext } from './federation-context';
import { requiredParam, requiredQuery } from '../../http/request-params';
import { assertServerMayReadRoom } from './room-access';
import { servedPdu } from '../../rooms/redaction-application';

/** The state IDs before the event and their auth chain, after the access checks. */
function stateAt(fed: FederationContext, ctx: Context): { stateIds: string[]; authChainIds: string[] } {
  const roomId = requiredParam(ctx, 'roomId');
  const eventId = requiredQuery(ctx, 'event_id');
  assertServerMayReadRoom(fed.storage, roomId, ctx.state.origin as string);
  const stored = fed.storage.getEvent(eventId);
  // A rejected event is not part of the room (as on /event): no state is served at it.
  if (!stored || stored.event.roomId !== roomId || stored.rejectedReason !== undefined) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown event ${eventId} in ${roomId}`);
  if (stored.outlier) throw new MatrixError(404, 'M_NOT_FOUND', `No state is known at ${eventId}`);
  const stateIds = [...fed.storage.getStateBefore(eventId).values()].sort();
  return { stateIds, authChainIds: fed.storage.getAuthChain(stateIds) };
}

export function stateRouter(fed: FederationContext): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
    const { stateIds, authChainIds } = stateAt(fed, ctx);
    ctx.body = { pdu_ids: stateIds, auth_chain_ids: authChainIds };
  });
  router.get('/_matrix/federation/v1/state/:roomId', (ctx) => {
    const { stateIds, authChainIds } = stateAt(fed, ctx);
    const pdus = (ids: string[]) => fed.storage.getEvents(ids).map((s) => servedPdu(fed.storage, s.event));
    ctx.body = { pdus: pdus(stateIds), auth_chain: pdus(authChainIds) };
  });
  return router;
}
