// The outbound federation queue on disk: the OutboundQueueStore the transaction sender uses, so that
// what we owe other servers survives a restart.
import type { Pdu } from '../protocol/pdu';
import type { OutboundQueueStore, QueuedPdu } from './outbound-queue-store';
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

interface Row {
  seq: number;
  destination: string;
  room_id: string;
  event_id: string;
  pdu_json: string;
}

export class OutboundQueueRepository implements OutboundQueueStore {
  private readonly insert;
  private readonly peekRows;
  private readonly count;
  private readonly deleteUpTo;
  private readonly listDestinations;
  private readonly rowsFor;
  private readonly deleteSeq;
  private readonly enqueueAll: (destination: string, items: ReadonlyArray<{ eventId: string; roomId: string; pdu: Pdu }>) => void;
  private readonly trim: (destination: string, keepPerRoom: number) => number;

  constructor(ctx: StorageContext) {
    const { db, kysely, dialect } = ctx;
    const q = kysely.selectFrom('outbound_pdus');
    this.insert = prepare<{ d: string; r: string; e: string; j: string }>(
      db,
      kysely.insertInto('outbound_pdus').values({ destination: param('d'), room_id: param('r'), event_id: param('e'), pdu_json: param('j') }),
    );
    this.peekRows = prepare<{ d: string; n: number }, Row>(db, q.selectAll().where('destination', '=', param('d')).orderBy('seq').limit(param('n')));
    this.count = prepare<{ d: string }, { n: number }>(db, q.select((eb) => eb.fn.countAll<number>().as('n')).where('destination', '=', param('d')));
    this.deleteUpTo = prepare<{ d: string; s: number }>(db, kysely.deleteFrom('outbound_pdus').where('destination', '=', param('d')).where('seq', '<=', param('s')));
    this.listDestinations = prepare<Record<string, never>, { destination: string }>(db, q.select('destination').distinct().orderBy('destination'));
    this.rowsFor = prepare<{ d: string }, Row>(db, q.selectAll().where('destination', '=', param('d')).orderBy('seq'));
    this.deleteSeq = prepare<{ s: number }>(db, kysely.deleteFrom('outbound_pdus').where('seq', '=', param('s')));
    this.enqueueAll = dialect.writeTransaction(db, (destination: string, items: ReadonlyArray<{ eventId: string; roomId: string; pdu: Pdu }>) => {
      for (const item of items) this.insert.run({ d: destination, r: item.roomId, e: item.eventId, j: JSON.stringify(item.pdu) });
    });
    this.trim = dialect.writeTransaction(db, (destination: string, keepPerRoom: number): number => {
      const rows = this.rowsFor.all({ d: destination });
      const kept = new Map<string, number>();
      let dropped = 0;
      for (let i = rows.length - 1; i >= 0; i--) {
        const row = rows[i]!;
        const n = kept.get(row.room_id) ?? 0;
        if (n < keepPerRoom) kept.set(row.room_id, n + 1);
        else {
          this.deleteSeq.run({ s: row.seq });
          dropped++;
        }
      }
      return dropped;
    });
  }

  enqueue(destination: string, items: ReadonlyArray<{ eventId: string; roomId: string; pdu: Pdu }>): void {
    this.enqueueAll(destination, items);
  }

  peek(destination: string, limit: number): QueuedPdu[] {
    return this.peekRows.all({ d: destination, n: limit }).map((r) => ({ seq: r.seq, eventId: r.event_id, roomId: r.room_id, pdu: JSON.parse(r.pdu_json) as Pdu }));
  }

  size(destination: string): number {
    return this.count.get({ d: destination })?.n ?? 0;
  }

  ack(destination: string, upTo: number): void {
    this.deleteUpTo.run({ d: destination, s: upTo });
  }

  trimToNewest(destination: string, keepPerRoom: number): number {
    return this.trim(destination, keepPerRoom);
  }

  destinations(): string[] {
    return this.listDestinations.all({}).map((r) => r.destination);
  }
}
