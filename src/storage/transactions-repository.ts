// Received federation transactions: (origin, txn_id) → the response we sent, so a replayed /send is idempotent.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export class TransactionsRepository {
  private readonly select;
  private readonly insert;

  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.select = prepare<{ o: string; t: string }, { response_json: string }>(
      db,
      kysely.selectFrom('received_transactions').select('response_json').where('origin', '=', param('o')).where('txn_id', '=', param('t')),
    );
    this.insert = prepare<{ o: string; t: string; r: string; ts: number }>(
      db,
      kysely
        .insertInto('received_transactions')
        .values({ origin: param('o'), txn_id: param('t'), response_json: param('r'), received_ts: param('ts') })
        .onConflict((oc) => oc.columns(['origin', 'txn_id']).doNothing()),
    );
  }

  /** The response recorded for a transaction, if we processed it before. */
  getResponse(origin: string, txnId: string): unknown | undefined {
    const row = this.select.get({ o: origin, t: txnId });
    return row ? (JSON.parse(row.response_json) as unknown) : undefined;
  }

  /** Records the response; the first one recorded wins (a replay must get the same answer). */
  record(origin: string, txnId: string, response: unknown, receivedTs: number = this.now()): void {
    this.insert.run({ o: origin, t: txnId, r: JSON.stringify(response), ts: receivedTs });
  }
}
