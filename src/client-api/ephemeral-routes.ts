// Typing and receipts (client-server API "Typing Notifications": PUT /rooms/{roomId}/typing/{userId};
// "Receipts": POST /rooms/{roomId}/receipt/{receiptType}/{eventId}; "Fully read markers": POST
// /rooms/{roomId}/read_markers). Kept locally and sent to local clients in /sync's `ephemeral`;
// they do not travel over federation (no m.typing / m.receipt EDUs yet).
import { Router } from '@koa/router';
import { MatrixError } from '../protocol/errors';
import { jsonBodyOf, requiredParam } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { assertJoined } from './room-access';

const RECEIPT_TYPES = ['m.read', 'm.read.private'];

export function ephemeralRouter(cx: ClientApiContext): Router {
  const router = new Router();

  router.put(clientPaths('/rooms/:roomId/typing/:userId'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    if (requiredParam(ctx, 'userId') !== user.userId) throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot set the typing state of another user');
    assertJoined(cx.rooms, roomId, user.userId);
    const body = jsonBodyOf(ctx);
    if (typeof body.typing !== 'boolean') throw new MatrixError(400, 'M_BAD_JSON', 'typing must be a boolean');
    const timeout = body.timeout ?? 30_000;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout)) throw new MatrixError(400, 'M_BAD_JSON', 'timeout must be an integer');
    cx.typing.set(roomId, user.userId, body.typing, timeout);
    cx.notifier.roomChanged(roomId);
    ctx.body = {};
  });

  const putReceipt = (userId: string, roomId: string, type: string, eventId: string, threadId: string) => {
    const stored = cx.storage.getEvent(eventId);
    if (!stored || stored.event.roomId !== roomId || stored.outlier) throw new MatrixError(404, 'M_NOT_FOUND', `Event ${eventId} not found in ${roomId}`);
    cx.storage.receipts.put(roomId, { userId, type, eventId, threadId, ts: cx.now() });
    cx.notifier.roomChanged(roomId);
  };

  router.post(clientPaths('/rooms/:roomId/receipt/:receiptType/:eventId'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    const type = requiredParam(ctx, 'receiptType');
    const eventId = requiredParam(ctx, 'eventId');
    assertJoined(cx.rooms, roomId, user.userId);
    const body = ctx.request.body === undefined ? {} : jsonBodyOf(ctx);
    const threadId = body.thread_id === undefined || body.thread_id === 'main' ? '' : body.thread_id;
    if (typeof threadId !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'thread_id must be a string');
    if (type === 'm.fully_read') {
      cx.storage.accountData.put(user.userId, roomId, 'm.fully_read', { event_id: eventId });
      cx.notifier.userChanged(user.userId);
    } else if (RECEIPT_TYPES.includes(type)) {
      putReceipt(user.userId, roomId, type, eventId, threadId);
    } else {
      throw new MatrixError(400, 'M_INVALID_PARAM', `Unknown receipt type ${type}`);
    }
    ctx.body = {};
  });

  router.post(clientPaths('/rooms/:roomId/read_markers'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    assertJoined(cx.rooms, roomId, user.userId);
    const body = jsonBodyOf(ctx);
    for (const [field, value] of Object.entries(body)) {
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${field} must be an event ID`);
      if (field === 'm.fully_read') {
        cx.storage.accountData.put(user.userId, roomId, 'm.fully_read', { event_id: value });
        cx.notifier.userChanged(user.userId);
      } else if (RECEIPT_TYPES.includes(field)) {
        putReceipt(user.userId, roomId, field, value, '');
      }
    }
    ctx.body = {};
  });
  return router;
}
