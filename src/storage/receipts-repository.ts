// Read receipts of local users (client-server API "Receipts"): the newest per (room, user, type, thread);
// each write takes the next position of this stream, so /sync sends only what changed since its token.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface Receipt {
  userId: string;
  type: string;
  eventId: string;
  /** '' for an unthreaded receipt. */
  threadId: string;
  ts: number;
}

export class ReceiptsRepository {
  private readonly maxRow;
  private readonly upsert;
  private readonly since;

  constructor({ db, kysely }: StorageContext) {
    this.maxRow = prepare<Record<string, never>, { p: number | null }>(db, kysely.selectFrom('receipts').select((eb) => eb.fn.max('stream_position').as('p')));
    this.upsert = prepare<{ r: string; u: string; t: string; e: string; th: string; ts: number; p: number }>(
      db,
      kysely
        .insertInto('receipts')
        .values({ room_id: param('r'), user_id: param('u'), receipt_type: param('t'), event_id: param('e'), thread_id: param('th'), ts: param('ts'), stream_position: param('p') })
        .onConflict((oc) =>
          oc.columns(['room_id', 'user_id', 'receipt_type', 'thread_id']).doUpdateSet((eb) => ({
            event_id: eb.ref('excluded.event_id'),
            ts: eb.ref('excluded.ts'),
            stream_position: eb.ref('excluded.stream_position'),
          })),
        ),
    );
    this.since = prepare<{ r: string; a: number; b: number }, { user_id: string; receipt_type: string; event_id: string; thread_id: string; ts: number }>(
      db,
      kysely
        .selectFrom('receipts')
        .select(['user_id', 'receipt_type', 'event_id', 'thread_id', 'ts'])
        .where('room_id', '=', param('r'))
        .where('stream_position', '>', param('a'))
        .where('stream_position', '<=', param('b'))
        .orderBy('stream_position'),
    );
  }

  /** The newest position (0 before any receipt). */
  max(): number {
    return this.maxRow.get({})?.p ?? 0;
  }

  put(roomId: string, receipt: Receipt): void {
    this.upsert.run({ r: roomId, u: receipt.userId, t: receipt.type, e: receipt.eventId, th: receipt.threadId, ts: receipt.ts, p: this.max() + 1 });
  }

  /** The room's receipts written in (after, upTo]. */
  changed(roomId: string, after: number, upTo: number): Receipt[] {
    return this.since.all({ r: roomId, a: after, b: upTo }).map((r) => ({ userId: r.user_id, type: r.receipt_type, eventId: r.event_id, threadId: r.thread_id, ts: r.ts }));
  }
}
