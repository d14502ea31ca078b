// POST /_matrix/federation/v1/get_missing_events/{roomId} (server-server API): events between the
// caller's latest and earliest known events, at most 20, redacted where it may not see them.
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import { pduForServer } from '../../rooms/server-visibility';
import type { FederationContext } from './federation-context';
import { jsonBodyOf, requiredParam, stringArray } from '../../http/request-params';
import { assertServerMayReadRoom } from './room-access';

export const MAX_MISSING_EVENTS_LIMIT = 20;

function integerField(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new MatrixError(400, 'M_BAD_JSON', `${name} must be a non-negative integer`);
  return value;
}

export function getMissingEventsRouter(fed: FederationContext): Router {
  const router = new Router();
  router.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
    const roomId = requiredParam(ctx, 'roomId');
    const body = jsonBodyOf(ctx);
    const earliest = stringArray(body, 'earliest_events', true);
    const latest = stringArray(body, 'latest_events', true);
    const limit = Math.min(integerField(body.limit, 'limit', 10), MAX_MISSING_EVENTS_LIMIT);
    const minDepth = integerField(body.min_depth, 'min_depth', 0);
    const origin = ctx.state.origin as string;
    assertServerMayReadRoom(fed.storage, roomId, origin);
    const events = fed.storage.getMissingEvents(roomId, earliest, latest, limit, minDepth);
    // Rejected events are left out, as on /backfill and /event.
    const served = events.map((e) => fed.storage.getEvent(e.eventId)!).filter((s) => s.rejectedReason === undefined);
    ctx.body = { events: served.map((s) => pduForServer(fed.storage, s, origin)) };
  });
  return router;
}
