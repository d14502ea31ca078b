// The client-visible timeline of a room in topological order (depth, then arrival), walked page by page,
// and the newest pending invite of a user that we hold only as an outlier (another server's invite).
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { DatabaseSchema } from './database-schema';
import { param, prepare, Prepared } from './prepared';
import type { StorageContext } from './storage-context';
import type { TimelineDirection } from './timeline-position';

/**
 * A position resolved into this order: the gap right after the (depth, nid) key. Keys need not belong
 * to an event: the gap before event (d, n) is the gap after (d, n − 1), since nids are integers.
 */
export interface TimelineKey {
  depth: number;
  nid: number;
}

export const TIMELINE_START_KEY: TimelineKey = { depth: Number.MIN_SAFE_INTEGER, nid: 0 };
export const TIMELINE_END_KEY: TimelineKey = { depth: Number.MAX_SAFE_INTEGER, nid: Number.MAX_SAFE_INTEGER };

interface PageArgs {
  r: number;
  fd: number;
  fn: number;
  td: number;
  tn: number;
  n: number;
}

export class TimelineRepository {
  private readonly pages: Record<TimelineDirection, Prepared<PageArgs, { event_id: string }>>;
  private readonly outlierMember;

  constructor({ db, kysely }: StorageContext) {
    type Eb = ExpressionBuilder<DatabaseSchema & { e: DatabaseSchema['events'] }, 'e'>;
    // Row values keep (depth, nid) one lexicographic key that the (room_nid, depth) index walks; Kysely
    // spells them for each dialect (SQLite ≥ 3.15 and PostgreSQL both compare row values).
    const key = (eb: Eb) => eb.refTuple('e.depth', 'e.event_nid');
    const at = (eb: Eb, d: string, n: string) => eb.tuple(param(d), param(n));
    const page = (dir: TimelineDirection) => {
      const order = dir === 'b' ? 'desc' : 'asc';
      return prepare<PageArgs, { event_id: string }>(
        db,
        kysely
          .selectFrom('events as e')
          .innerJoin('event_nids as n', 'n.event_nid', 'e.event_nid')
          .select('n.event_id')
          .where('e.room_nid', '=', param('r'))
          // What clients may see: not outliers, not rejected, not soft-failed.
          .where('e.outlier', '=', 0)
          .where('e.soft_failed', '=', 0)
          .where('e.rejection_reason', 'is', null)
          .where((eb): Expression<SqlBool> =>
            dir === 'b'
              ? eb.and([eb(key(eb), '<=', at(eb, 'fd', 'fn')), eb(key(eb), '>', at(eb, 'td', 'tn'))])
              : eb.and([eb(key(eb), '>', at(eb, 'fd', 'fn')), eb(key(eb), '<=', at(eb, 'td', 'tn'))]),
          )
          .orderBy('e.depth', order)
          .orderBy('e.event_nid', order)
          .limit(param('n')),
      );
    };
    this.pages = { b: page('b'), f: page('f') };
    this.outlierMember = prepare<{ r: number; u: string }, { event_id: string }>(
      db,
      kysely
        .selectFrom('events as e')
        .innerJoin('event_nids as n', 'n.event_nid', 'e.event_nid')
        .select('n.event_id')
        .where('e.room_nid', '=', param('r'))
        .where('e.type', '=', 'm.room.member')
        .where('e.state_key', '=', param('u'))
        .where('e.outlier', '=', 1)
        .orderBy('e.event_nid', 'desc')
        .limit(1),
    );
  }

  /**
   * Event IDs walking from the gap after `from`: backwards those at or before it, newest first;
   * forwards those after it, oldest first; never past the gap after `to`.
   */
  page(roomNid: number, dir: TimelineDirection, from: TimelineKey, to: TimelineKey, limit: number): string[] {
    return this.pages[dir].all({ r: roomNid, fd: from.depth, fn: from.nid, td: to.depth, tn: to.nid, n: limit }).map((r) => r.event_id);
  }

  /** The newest membership event of `userId` in the room that we hold only as an outlier. */
  latestOutlierMembership(roomNid: number, userId: string): string | undefined {
    return this.outlierMember.get({ r: roomNid, u: userId })?.event_id;
  }
}
