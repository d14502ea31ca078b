// The outbound sender's transport over the typed FederationApi: one PUT /send/{txnId} per transaction.
import type { FederationApi } from '../client/federation-api';
import { FederationRequestError } from '../client/federation-request-error';
import type { TransactionTransport } from './transaction-sender';

/**
 * `api.sendTransaction` shaped as the sender's transport. A 200 whose body is malformed still means
 * the receiver took the transaction (server-server API "Transactions": the sender retries until it gets
 * a 200, then moves on), so it resolves with nothing rather than failing into endless retries; per-PDU
 * errors in a well-formed answer are the receiver's verdicts and never a reason to resend either.
 */
export function federationTransport(
  api: Pick<FederationApi, 'sendTransaction'>,
  log?: (fields: Record<string, unknown>, message: string) => void,
): TransactionTransport {
  return async (destination, txnId, transaction) => {
    try {
      return await api.sendTransaction(destination, txnId, transaction);
    } catch (error) {
      if (!(error instanceof FederationRequestError) || error.kind !== 'bad-response') throw error;
      log?.({ destination, txnId, error: error.message }, 'transaction delivered; the answer was malformed');
      return undefined;
    }
  };
}
