// The light server's local control API under /_dagmar/light/v1, behind the admin token (Bearer): learn
// a room's state, join it, send an event — what `dagmar light state` and a policy server's own code call.
// dagmar's own API (not in the spec); errors are MatrixErrors with the client-server API's errcodes.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { toClientEvent } from '../protocol/client-event-format';
import { bearerTokenAuth } from '../http/bearer-token-auth';
import { jsonBodyOf, queryList, requiredParam, stringArray } from '../http/request-params';
import { MatrixError } from '../protocol/errors';
import { isValidServerName, parseRoomId, parseUserId } from '../protocol/identifiers';
import type { JsonObject } from '../protocol/json';
import { parseStateKey } from '../protocol/state-map';
import type { LightView } from './current-state';
import type { LightApi } from './light-api';

export const LIGHT_CONTROL_PREFIX = '/_dagmar/light/v1';

/** More servers than this in one call is a mistake, and each one costs requests. */
const MAX_VIA = 20;

function roomIdParam(ctx: Context): string {
  const roomId = requiredParam(ctx, 'roomId');
  if (!parseRoomId(roomId)) throw new MatrixError(400, 'M_INVALID_PARAM', `${JSON.stringify(roomId)} is not a room ID`);
  return roomId;
}

/** `via` servers: each must be a server name (spec appendix "Server Name"); at least one, at most MAX_VIA. */
function checkedVia(via: readonly string[]): string[] {
  const servers = [...new Set(via.map((s) => s.trim()).filter((s) => s !== ''))];
  if (servers.length === 0) throw new MatrixError(400, 'M_MISSING_PARAM', 'via must name at least one server');
  if (servers.length > MAX_VIA) throw new MatrixError(400, 'M_INVALID_PARAM', `via may name at most ${MAX_VIA} servers`);
  const bad = servers.find((s) => !isValidServerName(s));
  if (bad !== undefined) throw new MatrixError(400, 'M_INVALID_PARAM', `${JSON.stringify(bad)} is not a server name`);
  return servers;
}

/** `?via=a.test,b.test` and `?via=a.test&via=b.test` both work. */
function viaQuery(ctx: Context): string[] {
  return queryList(ctx, 'via').flatMap((v) => v.split(','));
}

/** The view as JSON: state as client-server ClientEvents (sorted by type, then state key), and what was learnt how. */
export function viewToJson(view: LightView, now: number): JsonObject {
  const state = [...view.state.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([key, event]) => {
      const [type, stateKeyValue] = parseStateKey(key);
      return { ...toClientEvent(event, now), type, state_key: stateKeyValue };
    });
  return {
    room_id: view.roomId,
    room_version: view.roomVersion,
    state,
    extremities: view.extremities,
    used: view.used,
    learnt: view.learnt,
    disagreements: view.disagreements as unknown as JsonObject[],
    stats: view.stats as unknown as JsonObject,
  };
}

export function lightControlRouter(light: LightApi, adminToken: string, now: () => number = Date.now): Router {
  const router = new Router({ prefix: LIGHT_CONTROL_PREFIX });
  // On each route, so that only requests a route matches are challenged (others get 404/405).
  const guard = bearerTokenAuth(adminToken);

  router.get('/rooms/:roomId/state', guard, async (ctx) => {
    const roomId = roomIdParam(ctx);
    const view = await light.currentState(roomId, { via: checkedVia(viaQuery(ctx)) });
    ctx.body = viewToJson(view, now());
  });

  // Body { "user_id": "@policy:<us>", "via": ["a.test"] }: make_join/send_join through the first that lets us.
  router.post('/rooms/:roomId/join', guard, async (ctx) => {
    const roomId = roomIdParam(ctx);
    const body = jsonBodyOf(ctx);
    const userId = body.user_id;
    if (userId === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'user_id is required');
    if (typeof userId !== 'string' || !parseUserId(userId)) throw new MatrixError(400, 'M_INVALID_PARAM', 'user_id must be a user ID');
    const joined = await light.join(roomId, userId, { via: checkedVia(stringArray(body, 'via', true)) });
    ctx.body = { room_id: roomId, event_id: joined.eventId, room_version: joined.roomVersion, via: joined.via, stats: joined.stats as unknown as JsonObject };
  });

  // The body is the event's content. `sender` and `via` come from the query (`?sender=…&via=a,b`); without
  // a `sender` there, they are read from the body's own `sender` and `via` fields, which are then not content.
  // `/send/{type}` sends a non-state event, `/send/{type}/{stateKey}` a state event, `/send/{type}/` one with
  // the empty state key (m.room.topic, m.room.power_levels, …).
  const send = async (ctx: Context, stateKeyValue: string | undefined) => {
    const roomId = roomIdParam(ctx);
    const type = requiredParam(ctx, 'type');
    const content: JsonObject = { ...jsonBodyOf(ctx) };
    let sender: unknown = queryList(ctx, 'sender')[0];
    let via = viaQuery(ctx);
    if (sender === undefined) {
      sender = content.sender;
      if (content.via !== undefined) via = stringArray(content, 'via', true);
      delete content.sender;
      delete content.via;
    }
    if (sender === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'sender is required (query or body field)');
    if (typeof sender !== 'string' || !parseUserId(sender)) throw new MatrixError(400, 'M_INVALID_PARAM', 'sender must be a user ID');
    // A redaction's target goes where its room version wants it (top level before v11, content from v11).
    const redacts = type === 'm.room.redaction' && typeof content.redacts === 'string' ? { redacts: content.redacts } : {};
    if (redacts.redacts !== undefined) delete content.redacts;
    const sent = await light.send(
      roomId,
      { type, sender, content, ...(stateKeyValue !== undefined ? { stateKey: stateKeyValue } : {}), ...redacts },
      { via: checkedVia(via) },
    );
    ctx.body = { event_id: sent.eventId, delivered: sent.delivered, stats: sent.stats as unknown as JsonObject };
  };
  router.post('/rooms/:roomId/send/:type/:stateKey', guard, (ctx) => send(ctx, requiredParam(ctx, 'stateKey')));
  router.post('/rooms/:roomId/send/:type', guard, (ctx) => send(ctx, ctx.path.endsWith('/') ? '' : undefined));
  return router;
}
