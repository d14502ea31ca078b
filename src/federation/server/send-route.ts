// PUT /_matrix/federation/v1/send/{txnId} (server-server API "Transactions"): at most 50 PDUs and 100
// EDUs; each PDU gets a result in the response map rather than failing the request; a replayed
// transaction gets the answer recorded the first time.
import { Router } from '@koa/router';
import { MatrixError } from '../../protocol/errors';
import { isJsonObject } from '../../protocol/json';
import { getRoomVersion, RoomVersion } from '../../protocol/room-versions';
import { sharedVerifyPool } from '../../crypto/verify-pool';
import { IntakeCheck, PduIntake, sendResultFor } from '../pdu-intake';
import type { FederationContext } from './federation-context';
import { jsonBodyOf, requiredParam } from '../../http/request-params';
import { reportedEventId } from './reported-event-id';
import { aclAllows } from './room-access';

export const MAX_TRANSACTION_PDUS = 50;
export const MAX_TRANSACTION_EDUS = 100;

function depthOf(raw: unknown): number {
  return isJsonObject(raw) && typeof raw.depth === 'number' ? raw.depth : 0;
}

export function sendRouter(fed: FederationContext, intake: PduIntake): Router {
  const router = new Router();
  router.put('/_matrix/federation/v1/send/:txnId', async (ctx) => {
    const txnId = requiredParam(ctx, 'txnId');
    const origin = ctx.state.origin as string;
    const body = jsonBodyOf(ctx);
    const pdus = body.pdus ?? [];
    const edus = body.edus ?? [];
    if (!Array.isArray(pdus) || !Array.isArray(edus)) throw new MatrixError(400, 'M_BAD_JSON', 'pdus and edus must be arrays');
    if (pdus.length > MAX_TRANSACTION_PDUS || edus.length > MAX_TRANSACTION_EDUS) {
      throw new MatrixError(400, 'M_BAD_JSON', `A transaction may carry at most ${MAX_TRANSACTION_PDUS} PDUs and ${MAX_TRANSACTION_EDUS} EDUs (got ${pdus.length} and ${edus.length})`);
    }
    const replay = fed.storage.transactions.getResponse(origin, txnId);
    if (replay !== undefined) {
      ctx.body = replay;
      return;
    }
    const results: Record<string, Record<string, string>> = {};
    // One fetch budget and deadline for the whole transaction (fetch-budget.ts).
    const budget = intake.newBudget();
    // Group commit: the PDUs' storage transactions are synced once, when this block ends, before we answer.
    // Parents usually precede children; ordering by depth saves gap fills within one transaction.
    const ordered = [...pdus].sort((a, b) => depthOf(a) - depthOf(b));
    // Steps 1–3 (format, signatures, hashes) need nothing from the PDUs before, so all of them start
    // now: their Ed25519 verifies queue on the verify worker and run while this thread authorises and
    // persists the PDUs ahead of them, one by one as before (verify-pool.ts). One PDU alone gains nothing.
    const verify = ordered.length > 1 ? sharedVerifyPool()?.verify : undefined;
    const checks = new Map<unknown, Promise<IntakeCheck>>();
    if (verify) {
      for (const raw of ordered) {
        const started = intake.check(raw, verify);
        started.catch(() => undefined); // awaited below, in the PDU's own try; never left unhandled
        checks.set(raw, started);
      }
    }
    await fed.storage.groupCommit(async () => {
      for (const raw of ordered) {
        const roomId = isJsonObject(raw) && typeof raw.room_id === 'string' ? raw.room_id : undefined;
        const version = roomId === undefined ? undefined : fed.storage.roomVersionOf(roomId);
        const report = (error: string, rv?: RoomVersion): void => {
          const eventId = reportedEventId(raw, rv);
          if (eventId !== undefined) results[eventId] = { error };
          else fed.logger.warn({ origin, txnId, reason: error }, 'dropped a PDU without an event ID');
        };
        if (version === undefined) {
          report(`Unknown room ${String(roomId)}`);
          continue;
        }
        const rv = getRoomVersion(version);
        // One PDU cannot fail the transaction (spec "Transactions": each PDU gets its own result):
        // whatever goes wrong while processing it becomes its error, and the others go on.
        try {
          // Server ACLs apply to /send per PDU, against the requesting server (spec "Server Access
          // Control Lists"): a denied room's PDUs get an error and are not processed.
          if (!aclAllows(fed.storage, roomId as string, origin)) {
            const checked = await (checks.get(raw) ?? intake.check(raw));
            const eventId = checked.ok ? checked.event.eventId : (checked.eventId ?? reportedEventId(raw, rv));
            if (eventId !== undefined) results[eventId] = { error: `Server ${origin} is denied by the room's server ACL` };
            continue;
          }
          const result = await intake.process(origin, raw, budget, checks.get(raw));
          if (result.eventId !== undefined) results[result.eventId] = sendResultFor(result);
          else report(('reason' in result ? result.reason : undefined) ?? result.status, rv);
        } catch (error) {
          fed.logger.error({ origin, txnId, eventId: reportedEventId(raw, rv), err: error }, 'processing a PDU failed');
          report('Internal error while processing this PDU', rv);
        }
      }
    });
    const response = { pdus: results };
    fed.storage.transactions.record(origin, txnId, response, fed.now());
    fed.logger.info({ origin, txnId, pdus: pdus.length, edus: edus.length }, 'transaction processed');
    ctx.body = response;
  });
  return router;
}
