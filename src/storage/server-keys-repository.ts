// Remote servers' signing keys with their validity (server-server API "Retrieving server keys").
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface ServerKey {
  serverName: string;
  keyId: string;
  /** Unpadded base64 Ed25519 public key. */
  publicKey: string;
  validUntilTs: number;
  /** Set for old_verify_keys: the key stopped being used at this time. */
  expiredTs: number | null;
  fetchedTs: number;
}

interface Row {
  server_name: string;
  key_id: string;
  public_key: string;
  valid_until_ts: number;
  expired_ts: number | null;
  fetched_ts: number;
}

const toKey = (r: Row): ServerKey => ({
  serverName: r.server_name,
  keyId: r.key_id,
  publicKey: r.public_key,
  validUntilTs: r.valid_until_ts,
  expiredTs: r.expired_ts,
  fetchedTs: r.fetched_ts,
});

export class ServerKeysRepository {
  private readonly one;
  private readonly all;
  private readonly upsert;

  constructor({ db, kysely }: StorageContext) {
    this.one = prepare<{ s: string; k: string }, Row>(db, kysely.selectFrom('server_keys').selectAll().where('server_name', '=', param('s')).where('key_id', '=', param('k')));
    this.all = prepare<{ s: string }, Row>(db, kysely.selectFrom('server_keys').selectAll().where('server_name', '=', param('s')).orderBy('key_id'));
    this.upsert = prepare<Row>(
      db,
      kysely
        .insertInto('server_keys')
        .values({
          server_name: param('server_name'),
          key_id: param('key_id'),
          public_key: param('public_key'),
          valid_until_ts: param('valid_until_ts'),
          expired_ts: param('expired_ts'),
          fetched_ts: param('fetched_ts'),
        })
        .onConflict((oc) =>
          oc.columns(['server_name', 'key_id']).doUpdateSet((eb) => ({
            public_key: eb.ref('excluded.public_key'),
            valid_until_ts: eb.ref('excluded.valid_until_ts'),
            expired_ts: eb.ref('excluded.expired_ts'),
            fetched_ts: eb.ref('excluded.fetched_ts'),
          })),
        ),
    );
  }

  get(serverName: string, keyId: string): ServerKey | undefined {
    const row = this.one.get({ s: serverName, k: keyId });
    return row ? toKey(row) : undefined;
  }

  forServer(serverName: string): ServerKey[] {
    return this.all.all({ s: serverName }).map(toKey);
  }

  /** Stores or refreshes a key (a newer fetch replaces validity and expiry). */
  put(key: ServerKey): void {
    this.upsert.run({
      server_name: key.serverName,
      key_id: key.keyId,
      public_key: key.publicKey,
      valid_until_ts: key.validUntilTs,
      expired_ts: key.expiredTs,
      fetched_ts: key.fetchedTs,
    });
  }
}
