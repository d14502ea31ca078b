// Events: the event-ID dictionary (nids), the event rows with their flags and state pointers, and redactions.
import { param, prepare } from './prepared';
import type { EventsTable } from './database-schema';
import type { StorageContext } from './storage-context';

export type EventRow = EventsTable & { event_id: string };

/** The flags the graph walks look at, for one event. */
export interface EventFlags {
  event_nid: number;
  room_nid: number;
  outlier: number;
  soft_failed: number;
  rejected: number;
  depth: number;
}

/** Neither outlier, soft-failed nor rejected: the only kind of event that may be a forward extremity. */
export function isNormal(f: Pick<EventFlags, 'outlier' | 'soft_failed' | 'rejected'>): boolean {
  return f.outlier === 0 && f.soft_failed === 0 && f.rejected === 0;
}

export class EventsRepository {
  private readonly nidById;
  private readonly idByNid;
  private readonly insertNid;
  private readonly rowById;
  private readonly rowByNid;
  private readonly flagsByNid;
  private readonly insertRow;
  private readonly promoteRow;
  private readonly insertRedaction;
  private readonly redactionsOfNid;
  private readonly flagsInRoom;

  constructor({ db, kysely }: StorageContext) {
    this.nidById = prepare<{ id: string }, { event_nid: number }>(db, kysely.selectFrom('event_nids').select('event_nid').where('event_id', '=', param('id')));
    this.idByNid = prepare<{ nid: number }, { event_id: string }>(db, kysely.selectFrom('event_nids').select('event_id').where('event_nid', '=', param('nid')));
    this.insertNid = prepare<{ id: string }>(db, kysely.insertInto('event_nids').values({ event_id: param('id') }));
    const rows = kysely.selectFrom('events').innerJoin('event_nids', 'event_nids.event_nid', 'events.event_nid').selectAll('events').select('event_nids.event_id');
    this.rowById = prepare<{ id: string }, EventRow>(db, rows.where('event_nids.event_id', '=', param('id')));
    this.rowByNid = prepare<{ nid: number }, EventRow>(db, rows.where('events.event_nid', '=', param('nid')));
    const flags = kysely
      .selectFrom('events')
      .select(['event_nid', 'room_nid', 'outlier', 'soft_failed', 'depth'])
      .select((eb) => eb.case().when('rejection_reason', 'is not', null).then(1).else(0).end().as('rejected'));
    this.flagsByNid = prepare<{ nid: number }, EventFlags>(db, flags.where('event_nid', '=', param('nid')));
    this.flagsInRoom = prepare<{ roomNid: number }, EventFlags>(db, flags.where('room_nid', '=', param('roomNid')));
    this.insertRow = prepare<Omit<EventsTable, never>>(
      db,
      kysely.insertInto('events').values({
        event_nid: param('event_nid'),
        room_nid: param('room_nid'),
        type: param('type'),
        state_key: param('state_key'),
        sender: param('sender'),
        depth: param('depth'),
        origin_server_ts: param('origin_server_ts'),
        received_ts: param('received_ts'),
        outlier: param('outlier'),
        soft_failed: param('soft_failed'),
        rejection_reason: param('rejection_reason'),
        state_before_nid: param('state_before_nid'),
        state_after_nid: param('state_after_nid'),
        json: param('json'),
      }),
    );
    this.promoteRow = prepare<Pick<EventsTable, 'event_nid' | 'soft_failed' | 'rejection_reason' | 'state_before_nid' | 'state_after_nid'>>(
      db,
      kysely
        .updateTable('events')
        .set({
          outlier: 0,
          soft_failed: param('soft_failed'),
          rejection_reason: param('rejection_reason'),
          state_before_nid: param('state_before_nid'),
          state_after_nid: param('state_after_nid'),
        })
        .where('event_nid', '=', param('event_nid')),
    );
    this.insertRedaction = prepare<{ redaction: number; redacts: number }>(
      db,
      kysely.insertInto('redactions').values({ redaction_nid: param('redaction'), redacts_nid: param('redacts') }),
    );
    this.redactionsOfNid = prepare<{ redacts: number }, { event_id: string }>(
      db,
      kysely
        .selectFrom('redactions')
        .innerJoin('event_nids', 'event_nids.event_nid', 'redactions.redaction_nid')
        .select('event_nids.event_id')
        .where('redactions.redacts_nid', '=', param('redacts'))
        .orderBy('redactions.redaction_nid'),
    );
  }

  nidOf(eventId: string): number | undefined {
    return this.nidById.get({ id: eventId })?.event_nid;
  }

  /** The nid of an event ID, allocating one for an ID seen for the first time (stored or merely referenced). */
  intern(eventId: string): number {
    const found = this.nidOf(eventId);
    if (found !== undefined) return found;
    return Number(this.insertNid.run({ id: eventId }).lastInsertRowid);
  }

  idOf(nid: number): string {
    const row = this.idByNid.get({ nid });
    if (!row) throw new Error(`storage: unknown event nid ${nid}`);
    return row.event_id;
  }

  get(eventId: string): EventRow | undefined {
    return this.rowById.get({ id: eventId });
  }

  getByNid(nid: number): EventRow | undefined {
    return this.rowByNid.get({ nid });
  }

  /** Flags of a stored event; undefined when the nid is only referenced, not stored. */
  flags(nid: number): EventFlags | undefined {
    return this.flagsByNid.get({ nid });
  }

  flagsOfRoom(roomNid: number): EventFlags[] {
    return this.flagsInRoom.all({ roomNid });
  }

  insert(row: EventsTable): void {
    this.insertRow.run(row);
  }

  /** Turns an outlier into a member of the graph, with the flags and state it has now been given. */
  promote(row: Pick<EventsTable, 'event_nid' | 'soft_failed' | 'rejection_reason' | 'state_before_nid' | 'state_after_nid'>): void {
    this.promoteRow.run(row);
  }

  recordRedaction(redactionNid: number, redactsNid: number): void {
    this.insertRedaction.run({ redaction: redactionNid, redacts: redactsNid });
  }

  /** IDs of the stored redaction events naming `eventId` (whatever their flags), oldest first. */
  redactionsOf(eventId: string): string[] {
    const nid = this.nidOf(eventId);
    return nid === undefined ? [] : this.redactionsOfNid.all({ redacts: nid }).map((r) => r.event_id);
  }
}
