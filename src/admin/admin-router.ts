// The admin API under /_dagmar/admin/v1 (dagmar's own, modelled on Synapse's admin API): rooms,
// forward extremities with depth, the DAG as JSON or DOT, and the storage invariant check.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import type { Storage } from '../storage';
import { bearerTokenAuth } from '../http/bearer-token-auth';
import { DAG_CONTENT_TYPES, isDagFormat, renderDag } from './dag-export';
import { loadRoomDag } from './room-dag';
import { listRooms } from './room-list';

export const ADMIN_PREFIX = '/_dagmar/admin/v1';

export interface AdminRouterOptions {
  storage: Storage;
  /** Required: without a token there is no admin API (the caller does not mount it). */
  adminToken: string;
  /** Rebuilds a room from other servers after data loss (POST …/rooms/{roomId}/recover); absent: 404. */
  recover?: RoomRecovery;
}

/** The recovery the server wires in (federation/sync/recover.ts); resolves with the JSON answer. */
export type RoomRecovery = (roomId: string, request: { via: string[]; depth?: number }) => Promise<Record<string, unknown>>;

function roomIdParam(ctx: Context, storage: Storage): string {
  const roomId = (ctx.params as Record<string, string | undefined>).roomId ?? '';
  if (!storage.hasRoom(roomId)) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
  return roomId;
}

export function adminRouter(options: AdminRouterOptions): Router {
  const { storage } = options;
  const router = new Router({ prefix: ADMIN_PREFIX });
  // On each route, so that only requests a route matches are challenged (others get 404/405).
  const guard = bearerTokenAuth(options.adminToken);

  router.get('/rooms', guard, (ctx) => {
    const rooms = listRooms(storage);
    ctx.body = {
      total: rooms.length,
      rooms: rooms.map((r) => ({ room_id: r.roomId, room_version: r.roomVersion, events: r.events, forward_extremities: r.forwardExtremities })),
    };
  });

  // Like Synapse's GET /_synapse/admin/v1/rooms/{roomId}/forward_extremities, but all of them with
  // depth (not capped like our prev_events), deepest first.
  router.get('/rooms/:roomId/forward_extremities', guard, (ctx) => {
    const roomId = roomIdParam(ctx, storage);
    const results = storage.getForwardExtremities(roomId).map((f) => {
      const stored = storage.getEvent(f.eventId);
      return { event_id: f.eventId, depth: f.depth, received_ts: stored?.receivedTs, type: stored?.event.type, sender: stored?.event.sender };
    });
    ctx.body = { count: results.length, results };
  });

  router.get('/rooms/:roomId/dag', guard, (ctx) => {
    const roomId = roomIdParam(ctx, storage);
    const raw = ctx.query.format;
    const format = raw === undefined ? 'json' : String(raw);
    if (!isDagFormat(format)) throw new MatrixError(400, 'M_INVALID_PARAM', 'format must be json or dot');
    const dag = loadRoomDag(storage, roomId);
    ctx.body = renderDag(dag, format);
    ctx.set('Content-Type', DAG_CONTENT_TYPES[format]);
  });

  // POST: the check reads the whole room, so it is an action, not a cacheable resource.
  router.post('/rooms/:roomId/verify', guard, (ctx) => {
    const roomId = roomIdParam(ctx, storage);
    const result = storage.verifyRoom(roomId);
    ctx.body = { room_id: roomId, ok: result.ok, problems: result.problems };
  });

  // Recover a room after data loss (federation/sync/recover.ts): body {"via": [server, …], "depth"?: N}.
  // The room need not be known here: that is the point.
  router.post('/rooms/:roomId/recover', guard, async (ctx) => {
    const recover = options.recover;
    if (!recover) throw new MatrixError(404, 'M_UNRECOGNIZED', 'recover is not available on this server');
    const roomId = (ctx.params as Record<string, string | undefined>).roomId ?? '';
    const body = (ctx.request as { body?: unknown }).body;
    const via = body && typeof body === 'object' ? (body as Record<string, unknown>).via : undefined;
    const depth = body && typeof body === 'object' ? (body as Record<string, unknown>).depth : undefined;
    if (!Array.isArray(via) || via.length === 0 || !via.every((v) => typeof v === 'string')) throw new MatrixError(400, 'M_BAD_JSON', 'via must be a non-empty array of server names');
    if (depth !== undefined && !(Number.isSafeInteger(depth) && (depth as number) >= 0)) throw new MatrixError(400, 'M_BAD_JSON', 'depth must be a non-negative integer');
    ctx.body = await recover(roomId, { via: via as string[], ...(depth !== undefined ? { depth: depth as number } : {}) });
  });

  return router;
}
