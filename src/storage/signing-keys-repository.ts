// Our own signing keys: the seed of each, when it was created, and when (if ever) it was retired.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface OwnSigningKey {
  keyId: string;
  /** Unpadded base64 Ed25519 seed. */
  seed: string;
  createdTs: number;
  retiredTs: number | null;
}

interface Row {
  key_id: string;
  seed: string;
  created_ts: number;
  retired_ts: number | null;
}

const toKey = (r: Row): OwnSigningKey => ({ keyId: r.key_id, seed: r.seed, createdTs: r.created_ts, retiredTs: r.retired_ts });

export class SigningKeysRepository {
  private readonly listAll;
  private readonly insert;
  private readonly retireKey;

  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.listAll = prepare<Record<string, never>, Row>(db, kysely.selectFrom('signing_keys').selectAll().orderBy('created_ts').orderBy('key_id'));
    this.insert = prepare<Row>(
      db,
      kysely.insertInto('signing_keys').values({ key_id: param('key_id'), seed: param('seed'), created_ts: param('created_ts'), retired_ts: param('retired_ts') }),
    );
    this.retireKey = prepare<{ k: string; ts: number }>(db, kysely.updateTable('signing_keys').set({ retired_ts: param('ts') }).where('key_id', '=', param('k')).where('retired_ts', 'is', null));
  }

  all(): OwnSigningKey[] {
    return this.listAll.all({}).map(toKey);
  }

  /** The newest key not retired, if any. */
  active(): OwnSigningKey | undefined {
    return this.all()
      .filter((k) => k.retiredTs === null)
      .pop();
  }

  add(key: { keyId: string; seed: string; createdTs?: number }): void {
    this.insert.run({ key_id: key.keyId, seed: key.seed, created_ts: key.createdTs ?? this.now(), retired_ts: null });
  }

  retire(keyId: string, retiredTs: number = this.now()): void {
    this.retireKey.run({ k: keyId, ts: retiredTs });
  }
}
