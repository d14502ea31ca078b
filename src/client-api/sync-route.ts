// GET /_matrix/client/v3/sync (client-server API "Syncing", GET /sync): initial and incremental sync with
// `since`, `timeout` long-polling (woken by SyncNotifier, not by polling storage), `full_state`, `filter`
// (an ID or inline JSON) and `set_presence` (accepted; dagmar keeps no presence).
import { Router } from '@koa/router';
import { MatrixError } from '../protocol/errors';
import { queryInteger, queryList } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { hashAccessToken } from '../storage/access-tokens-repository';
import { ClientApiContext, clientPaths } from './client-api-context';
import { syncFilterOf } from './sync-filter';
import { buildSync, currentPosition, SyncRequest } from './sync-response';
import { decodeSyncToken, encodeSyncToken } from './sync-token';

/** The longest a request waits, whatever its timeout says (clients ask 30 s; proxies cut at ~60 s). */
const MAX_TIMEOUT_MS = 60_000;
const PRESENCE_VALUES = ['online', 'offline', 'unavailable'];

export function syncRouter(cx: ClientApiContext): Router {
  const router = new Router();
  router.get(clientPaths('/sync'), async (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const [since] = queryList(ctx, 'since');
    const [filter] = queryList(ctx, 'filter');
    const [fullState] = queryList(ctx, 'full_state');
    const [presence] = queryList(ctx, 'set_presence');
    if (presence !== undefined && !PRESENCE_VALUES.includes(presence)) throw new MatrixError(400, 'M_INVALID_PARAM', `set_presence must be one of ${PRESENCE_VALUES.join(', ')}`);
    if (fullState !== undefined && fullState !== 'true' && fullState !== 'false') throw new MatrixError(400, 'M_INVALID_PARAM', 'full_state must be true or false');
    const timeout = queryInteger(ctx, 'timeout', 0, Number.MAX_SAFE_INTEGER);
    const req: SyncRequest = {
      userId: user.userId,
      tokenHash: hashAccessToken(user.token),
      since: since === undefined ? undefined : decodeSyncToken(since),
      filter: syncFilterOf(cx.storage, user.userId, filter),
      fullState: fullState === 'true',
    };
    const sources = { storage: cx.storage, rooms: cx.rooms, typing: cx.typing, now: cx.now };
    // The client going away ends the wait (its connection is all a long-poll holds).
    const gone = new AbortController();
    ctx.res.once('close', () => gone.abort());
    const deadline = Date.now() + Math.min(timeout, MAX_TIMEOUT_MS);
    for (;;) {
      // Position, build and (below) registering the waiter run in one synchronous stretch: an event
      // persisted after the position was read either is in the answer or wakes the waiter.
      const upTo = currentPosition(sources);
      const result = buildSync(sources, req, upTo);
      const remaining = deadline - Date.now();
      // An initial sync, anything to say, or no time left: answer now.
      if (req.since === undefined || !result.empty || remaining <= 0 || gone.signal.aborted) {
        ctx.body = { next_batch: encodeSyncToken(upTo), ...result.body };
        return;
      }
      const woken = await cx.notifier.wait({ userId: user.userId, roomIds: result.roomIds }, remaining, gone.signal);
      if (!woken) {
        // Timed out: the same (empty) answer, but from the newest position, so nothing is read twice.
        const last = currentPosition(sources);
        ctx.body = { next_batch: encodeSyncToken(last), ...buildSync(sources, req, last).body };
        return;
      }
    }
  });
  return router;
}
