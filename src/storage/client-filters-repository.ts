// Filters uploaded with POST /user/{userId}/filter (client-server API "Filtering"), kept per user as uploaded.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export class ClientFiltersRepository {
  private readonly insert;
  private readonly select;
  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.insert = prepare<{ u: string; j: string; ts: number }>(db, kysely.insertInto('client_filters').values({ user_id: param('u'), filter_json: param('j'), created_ts: param('ts') }));
    this.select = prepare<{ u: string; f: number }, { filter_json: string }>(
      db,
      kysely.selectFrom('client_filters').select('filter_json').where('user_id', '=', param('u')).where('filter_id', '=', param('f')),
    );
  }

  /** Stores a filter and returns its ID (a decimal string, as clients see it). */
  add(userId: string, filterJson: string): string {
    return String(this.insert.run({ u: userId, j: filterJson, ts: this.now() }).lastInsertRowid);
  }

  /** The filter JSON the user uploaded under that ID. */
  get(userId: string, filterId: string): string | undefined {
    if (!/^[0-9]{1,15}$/.test(filterId)) return undefined;
    return this.select.get({ u: userId, f: Number(filterId) })?.filter_json;
  }
}
