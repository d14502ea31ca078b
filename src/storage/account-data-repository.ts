// Account data (client-server API "Client Config"), global (room '') or per room; each write takes the
// next position of this stream, so /sync sends only what changed since its token.
import type { JsonObject } from '../protocol/json';
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface AccountDataEntry {
  /** '' for global account data. */
  roomId: string;
  type: string;
  content: JsonObject;
}

export class AccountDataRepository {
  private readonly maxRow;
  private readonly upsert;
  private readonly one;
  private readonly since;

  constructor({ db, kysely }: StorageContext) {
    this.maxRow = prepare<Record<string, never>, { p: number | null }>(db, kysely.selectFrom('account_data').select((eb) => eb.fn.max('stream_position').as('p')));
    this.upsert = prepare<{ u: string; r: string; t: string; j: string; p: number }>(
      db,
      kysely
        .insertInto('account_data')
        .values({ user_id: param('u'), room_id: param('r'), data_type: param('t'), content_json: param('j'), stream_position: param('p') })
        .onConflict((oc) => oc.columns(['user_id', 'room_id', 'data_type']).doUpdateSet((eb) => ({ content_json: eb.ref('excluded.content_json'), stream_position: eb.ref('excluded.stream_position') }))),
    );
    this.one = prepare<{ u: string; r: string; t: string }, { content_json: string }>(
      db,
      kysely.selectFrom('account_data').select('content_json').where('user_id', '=', param('u')).where('room_id', '=', param('r')).where('data_type', '=', param('t')),
    );
    this.since = prepare<{ u: string; a: number; b: number }, { room_id: string; data_type: string; content_json: string }>(
      db,
      kysely
        .selectFrom('account_data')
        .select(['room_id', 'data_type', 'content_json'])
        .where('user_id', '=', param('u'))
        .where('stream_position', '>', param('a'))
        .where('stream_position', '<=', param('b'))
        .orderBy('stream_position'),
    );
  }

  /** The newest position (0 before any write). */
  max(): number {
    return this.maxRow.get({})?.p ?? 0;
  }

  /** Sets one entry (synchronous: the position read and the write cannot interleave with another write). */
  put(userId: string, roomId: string, type: string, content: JsonObject): void {
    this.upsert.run({ u: userId, r: roomId, t: type, j: JSON.stringify(content), p: this.max() + 1 });
  }

  get(userId: string, roomId: string, type: string): JsonObject | undefined {
    const row = this.one.get({ u: userId, r: roomId, t: type });
    return row && (JSON.parse(row.content_json) as JsonObject);
  }

  /** The user's entries written in (after, upTo]. */
  changed(userId: string, after: number, upTo: number): AccountDataEntry[] {
    return this.since.all({ u: userId, a: after, b: upTo }).map((r) => ({ roomId: r.room_id, type: r.data_type, content: JSON.parse(r.content_json) as JsonObject }));
  }
}
