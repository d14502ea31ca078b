// Client send transactions: (access token, txnId) → the event ID it produced, so that a retried
// PUT /rooms/{roomId}/send/{type}/{txnId} answers with the same event instead of sending twice.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export class ClientTxnsRepository {
  private readonly select;
  private readonly insert;
  private readonly byEvent;

  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.select = prepare<{ h: string; t: string }, { event_id: string }>(
      db,
      kysely.selectFrom('client_txns').select('event_id').where('token_hash', '=', param('h')).where('txn_id', '=', param('t')),
    );
    this.byEvent = prepare<{ h: string; e: string }, { txn_id: string }>(
      db,
      kysely.selectFrom('client_txns').select('txn_id').where('token_hash', '=', param('h')).where('event_id', '=', param('e')).limit(1),
    );
    this.insert = prepare<{ h: string; t: string; e: string; ts: number }>(
      db,
      kysely
        .insertInto('client_txns')
        .values({ token_hash: param('h'), txn_id: param('t'), event_id: param('e'), created_ts: param('ts') })
        .onConflict((oc) => oc.columns(['token_hash', 'txn_id']).doNothing()),
    );
  }

  /** The event a transaction produced, if it was completed before. */
  get(tokenHash: string, txnId: string): string | undefined {
    return this.select.get({ h: tokenHash, t: txnId })?.event_id;
  }

  /** The transaction key that produced `eventId` under this token (for `unsigned.transaction_id`). */
  keyOf(tokenHash: string, eventId: string): string | undefined {
    return this.byEvent.get({ h: tokenHash, e: eventId })?.txn_id;
  }

  /** Records a completed transaction; the first record wins. */
  record(tokenHash: string, txnId: string, eventId: string, createdTs: number = this.now()): void {
    this.insert.run({ h: tokenHash, t: txnId, e: eventId, ts: createdTs });
  }
}
