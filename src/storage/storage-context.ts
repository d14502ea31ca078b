// The handles every repository shares: the connection, a Kysely instance over it, the dialect and the clock.
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './database-schema';
import type { SqlConnection, SqlDialect } from './sql-dialect';

export interface StorageContext {
  readonly db: SqlConnection;
  /** Used to build and compile queries (prepared.ts); never executed directly. */
  readonly kysely: Kysely<DatabaseSchema>;
  readonly dialect: SqlDialect;
  /** The one clock storage stamps rows with (received_ts, created_ts, …), injected at open. */
  readonly now: () => number;
}

/** SQLite has no boolean type; flags are stored as 0/1 integers. */
export function flag(value: boolean | undefined): number {
  return value ? 1 : 0;
}
