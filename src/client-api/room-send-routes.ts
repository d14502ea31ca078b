// Sending events as a client (client-server API "Sending events to a room"):
// PUT /rooms/{roomId}/send/{eventType}/{txnId}, idempotent per access token and endpoint, and
// PUT /rooms/{roomId}/state/{eventType}/{stateKey} (state key empty when the segment is absent).
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { jsonBodyOf, requiredParam } from '../federation/server/request-params';
import { hashAccessToken } from '../storage/access-tokens-repository';
import { KeyedMutex } from '../rooms/keyed-mutex';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { assertJoined } from './room-access';

/** Event types a client may not send through /send (they have endpoints of their own). */
const NOT_THROUGH_SEND = new Set(['m.room.redaction', 'm.room.member', 'm.room.create']);

export function roomSendRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const { hs } = cx;
  // A retry that arrives while the first attempt is still being sent waits for it, then finds it.
  const txnLocks = new KeyedMutex();

  router.put(clientPaths('/rooms/:roomId/send/:eventType/:txnId'), async (ctx) => {
    const user = authenticate(ctx, hs.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const type = requiredParam(ctx, 'eventType');
    const txnId = requiredParam(ctx, 'txnId');
    const content = jsonBodyOf(ctx);
    if (NOT_THROUGH_SEND.has(type)) throw new MatrixError(400, 'M_INVALID_PARAM', `${type} events cannot be sent with /send`);
    // "The transaction ID … is scoped to a single access token and the endpoint": the path names both room and type.
    const tokenHash = hashAccessToken(user.token);
    const txnKey = `send ${roomId} ${type} ${txnId}`;
    const eventId = await txnLocks.run(`${tokenHash} ${txnKey}`, async () => {
      const done = hs.storage.clientTxns.get(tokenHash, txnKey);
      if (done !== undefined) return done;
      assertJoined(hs.rooms, roomId, user.userId);
      const event = await hs.rooms.sendLocalEvent(roomId, { type, sender: user.userId, content });
      hs.storage.clientTxns.record(tokenHash, txnKey, event.eventId, cx.now());
      return event.eventId;
    });
    ctx.body = { event_id: eventId };
  });

  const putState = async (ctx: Context, key: string) => {
    const user = authenticate(ctx, hs.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const type = requiredParam(ctx, 'eventType');
    const content = jsonBodyOf(ctx);
    if (type === 'm.room.create') throw new MatrixError(400, 'M_INVALID_PARAM', 'A room has one m.room.create event, sent by createRoom');
    assertJoined(hs.rooms, roomId, user.userId);
    const event = await hs.rooms.sendLocalEvent(roomId, { type, sender: user.userId, stateKey: key, content });
    ctx.body = { event_id: event.eventId };
  };
  router.put(clientPaths('/rooms/:roomId/state/:eventType/:stateKey'), (ctx) => putState(ctx, requiredParam(ctx, 'stateKey')));
  router.put(clientPaths('/rooms/:roomId/state/:eventType'), (ctx) => putState(ctx, ''));
  return router;
}
