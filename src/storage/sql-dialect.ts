// The seam where a second SQL dialect would plug in: what differs between SQLite and, say, PostgreSQL
// beneath the repositories. Layers above storage/ only ever see Storage; repositories build their
// queries with Kysely (which already spells upserts, row values and quoting per dialect) and ask the
// dialect only for what Kysely does not cover: the connection's session setup, the Kysely compiler
// to use, and how a write transaction is opened.
import type BetterSqlite3 from 'better-sqlite3';
import type { Dialect } from 'kysely';

/**
 * The one connection storage holds. Storage reads synchronously (the persist transaction never awaits,
 * DESIGN §5), so a dialect provides a synchronous connection of this shape; a PostgreSQL dialect would
 * need a synchronous driver or an asynchronous Storage, and that is the first thing it would have to decide.
 */
export type SqlConnection = BetterSqlite3.Database;

export type Durability = 'every-commit' | 'on-flush';

export interface SqlDialect {
  readonly name: string;
  /** Session settings for a freshly opened connection: journal, durability, foreign keys, lock waits, cache. */
  configure(db: SqlConnection, durability: Durability): void;
  /** The Kysely dialect whose compiler turns the repositories' queries into this dialect's SQL. */
  kyselyDialect(db: SqlConnection): Dialect;
  /**
   * Wraps `work` into a reusable write transaction that takes the write lock when it begins (so that a
   * second writer waits instead of failing half-way); a throw rolls it back. Build it once, call it often.
   */
  writeTransaction<A extends unknown[], R>(db: SqlConnection, work: (...args: A) => R): (...args: A) => R;
  /** True while the connection is inside a transaction (caches are not filled from rows that may roll back). */
  inTransaction(db: SqlConnection): boolean;
}
