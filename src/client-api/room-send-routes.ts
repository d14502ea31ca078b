// Sending events as a client (client-server API "Sending events to a room", "Redactions"):
// PUT /rooms/{roomId}/send/{eventType}/{txnId} and /redact/{eventId}/{txnId}, idempotent per access
// token and endpoint, and PUT /rooms/{roomId}/state/{eventType}/{stateKey} (empty key when absent).
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import type { JsonObject } from '../protocol/json';
import { jsonBodyOf, requiredParam } from '../federation/server/request-params';
import { hashAccessToken } from '../storage/access-tokens-repository';
import { KeyedMutex } from '../rooms/keyed-mutex';
import { AuthenticatedUser, authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { assertJoined } from './room-access';

/** Event types a client may not send through /send (they have endpoints of their own). */
const NOT_THROUGH_SEND = new Set(['m.room.redaction', 'm.room.member', 'm.room.create']);

export function roomSendRouter(cx: ClientApiContext): Router {
  const router = new Router();
  // A retry that arrives while the first attempt is still being sent waits for it, then finds it.
  const txnLocks = new KeyedMutex();

  /**
   * Runs `send` once per (access token, endpoint, txnId): "The transaction ID … is scoped to a single
   * access token and the endpoint" — `txnKey` names the endpoint with its room and type or target.
   */
  const once = (user: AuthenticatedUser, txnKey: string, send: () => Promise<string>): Promise<string> => {
    const tokenHash = hashAccessToken(user.token);
    return txnLocks.run(`${tokenHash} ${txnKey}`, async () => {
      const done = cx.storage.clientTxns.get(tokenHash, txnKey);
      if (done !== undefined) return done;
      const eventId = await send();
      cx.storage.clientTxns.record(tokenHash, txnKey, eventId, cx.now());
      return eventId;
    });
  };

  router.put(clientPaths('/rooms/:roomId/send/:eventType/:txnId'), async (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const type = requiredParam(ctx, 'eventType');
    const content = jsonBodyOf(ctx);
    if (NOT_THROUGH_SEND.has(type)) throw new MatrixError(400, 'M_INVALID_PARAM', `${type} events cannot be sent with /send`);
    const eventId = await once(user, `send ${roomId} ${type} ${requiredParam(ctx, 'txnId')}`, async () => {
      assertJoined(cx.rooms, roomId, user.userId);
      return (await cx.rooms.sendLocalEvent(roomId, { type, sender: user.userId, content })).eventId;
    });
    ctx.body = { event_id: eventId };
  });

  // PUT /rooms/{roomId}/redact/{eventId}/{txnId} ("Redactions"): the auth rules and, from v3, the
  // redaction-application rules (rooms/redaction-application.ts) decide whether it takes effect.
  router.put(clientPaths('/rooms/:roomId/redact/:eventId/:txnId'), async (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const target = requiredParam(ctx, 'eventId');
    const body = ctx.request.body === undefined ? {} : jsonBodyOf(ctx);
    if (body.reason !== undefined && typeof body.reason !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'reason must be a string');
    const eventId = await once(user, `redact ${roomId} ${target} ${requiredParam(ctx, 'txnId')}`, async () => {
      assertJoined(cx.rooms, roomId, user.userId);
      const stored = cx.storage.getEvent(target);
      if (!stored || stored.event.roomId !== roomId) throw new MatrixError(404, 'M_NOT_FOUND', `Event ${target} not found in ${roomId}`);
      const content: JsonObject = body.reason === undefined ? {} : { reason: body.reason };
      return (await cx.rooms.sendLocalEvent(roomId, { type: 'm.room.redaction', sender: user.userId, content, redacts: target })).eventId;
    });
    ctx.body = { event_id: eventId };
  });

  const putState = async (ctx: Context, key: string) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const type = requiredParam(ctx, 'eventType');
    const content = jsonBodyOf(ctx);
    if (type === 'm.room.create') throw new MatrixError(400, 'M_INVALID_PARAM', 'A room has one m.room.create event, sent by createRoom');
    assertJoined(cx.rooms, roomId, user.userId);
    const event = await cx.rooms.sendLocalEvent(roomId, { type, sender: user.userId, stateKey: key, content });
    ctx.body = { event_id: event.eventId };
  };
  router.put(clientPaths('/rooms/:roomId/state/:eventType/:stateKey'), (ctx) => putState(ctx, requiredParam(ctx, 'stateKey')));
  router.put(clientPaths('/rooms/:roomId/state/:eventType'), (ctx) => putState(ctx, ''));
  return router;
}
