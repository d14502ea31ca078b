// What a light server answers over federation besides its key and /version (federation-app.ts serves
// those): `GET /v1/event/{eventId}` for the events it created, and `PUT /v1/send/{txnId}` acknowledged —
// it keeps no DAG, so PDUs pushed to it are neither stored nor resolved (server-server API "Transactions").
// Both sit behind X-Matrix authentication.
import { Router } from '@koa/router';
import { MatrixError } from '../protocol/errors';
import { computeEventId } from '../protocol/hashes';
import { isJsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';
import type { RoomVersion } from '../protocol/room-versions';

export interface LightRoutesDeps {
  serverName: string;
  now: () => number;
  /** Our own event by ID, if we created it. */
  ownEvent: (eventId: string) => RoomEvent | undefined;
  /** Whether `server` may read our events in `roomId` (it took part in the room as we learnt it). */
  mayRead: (roomId: string, server: string) => boolean;
  roomVersionOf: (roomId: string) => RoomVersion | undefined;
}

export function lightRouter(deps: LightRoutesDeps): Router {
  const router = new Router();
  // https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1eventeventid
  router.get('/_matrix/federation/v1/event/:eventId', (ctx) => {
    const eventId = ctx.params.eventId ?? '';
    const event = deps.ownEvent(eventId);
    if (!event || !deps.mayRead(event.roomId, ctx.state.origin as string)) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown event ${eventId}`);
    ctx.body = { origin: deps.serverName, origin_server_ts: deps.now(), pdus: [event.pdu] };
  });
  // https://spec.matrix.org/latest/server-server-api/#put_matrixfederationv1sendtxnid — every PDU of a room
  // we know is answered as processed; we hold no DAG to add it to.
  router.put('/_matrix/federation/v1/send/:txnId', (ctx) => {
    const body = ctx.request.body;
    if (!body || !Array.isArray(body.pdus)) throw new MatrixError(400, 'M_BAD_JSON', 'pdus must be an array');
    if (body.pdus.length > 50) throw new MatrixError(400, 'M_BAD_JSON', 'at most 50 PDUs per transaction');
    const pdus: Record<string, Record<string, never>> = {};
    for (const raw of body.pdus) {
      if (!isJsonObject(raw) || typeof raw.room_id !== 'string') continue;
      const rv = deps.roomVersionOf(raw.room_id);
      if (!rv) continue;
      try {
        pdus[computeEventId(raw, rv)] = {};
      } catch {
        // Not a PDU of that room version: nothing to acknowledge it under.
      }
    }
    ctx.body = { pdus };
  });
  return router;
}
