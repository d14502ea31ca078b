// Global profiles of local users (client-server API "Profiles"): displayname and avatar_url.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface Profile {
  displayname?: string;
  avatar_url?: string;
}

export class ProfilesRepository {
  private readonly select;
  private readonly upsert;

  constructor({ db, kysely }: StorageContext) {
    this.select = prepare<{ u: string }, { displayname: string | null; avatar_url: string | null }>(db, kysely.selectFrom('profiles').select(['displayname', 'avatar_url']).where('user_id', '=', param('u')));
    this.upsert = prepare<{ u: string; d: string | null; a: string | null }>(
      db,
      kysely
        .insertInto('profiles')
        .values({ user_id: param('u'), displayname: param('d'), avatar_url: param('a') })
        .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ displayname: eb.ref('excluded.displayname'), avatar_url: eb.ref('excluded.avatar_url') }))),
    );
  }

  /** The stored profile; undefined when the user never set one. */
  get(userId: string): Profile | undefined {
    const row = this.select.get({ u: userId });
    if (!row) return undefined;
    return { ...(row.displayname !== null ? { displayname: row.displayname } : {}), ...(row.avatar_url !== null ? { avatar_url: row.avatar_url } : {}) };
  }

  set(userId: string, profile: Profile): void {
    this.upsert.run({ u: userId, d: profile.displayname ?? null, a: profile.avatar_url ?? null });
  }
}
