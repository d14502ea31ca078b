// GET /_matrix/federation/v1/extremities/{roomId} and its unstable path (MSC4370): the room's current
// forward extremities — exactly the prev_events our next event would use (DESIGN.md §3).
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import type { FederationContext } from './federation-context';
import { requiredParam } from '../../http/request-params';
import { assertServerAdmitted } from './room-access';

export const EXTREMITIES_PATH = '/_matrix/federation/v1/extremities/:roomId';
export const EXTREMITIES_UNSTABLE_PATH = '/_matrix/federation/unstable/org.matrix.msc4370/extremities/:roomId';

export function extremitiesRouter(fed: FederationContext): Router {
  const router = new Router();
  const handler = (ctx: Parameters<Parameters<Router['get']>[1]>[0]) => {
    const roomId = requiredParam(ctx, 'roomId');
    // Deepest first, then by event ID; capped (≤ 20) so a caller can copy it into an event. Room
    // versions 1 and 2 get bare IDs too, as the MSC says, though their prev_events carry hashes.
    // No extremities is exactly "a room we do not know" (room-access.ts), so one read answers both.
    const prevEvents = fed.rooms.prevEventsFor(roomId).map((e) => e.eventId);
    if (prevEvents.length === 0) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
    assertServerAdmitted(fed.storage, roomId, ctx.state.origin as string);
    ctx.body = { prev_events: prevEvents };
  };
  router.get(EXTREMITIES_PATH, handler);
  router.get(EXTREMITIES_UNSTABLE_PATH, handler);
  return router;
}
