// The handles every repository shares: the better-sqlite3 connection and a Kysely instance over it.
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './database-schema';

export interface StorageContext {
  readonly db: BetterSqlite3.Database;
  /** Used to build and compile queries; also fine for ad-hoc async reads outside a write transaction. */
  readonly kysely: Kysely<DatabaseSchema>;
}

/** SQLite has no boolean type; flags are stored as 0/1 integers. */
export function flag(value: boolean | undefined): number {
  return value ? 1 : 0;
}
