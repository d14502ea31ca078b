// SQLite through better-sqlite3: the dialect dagmar runs on (sql-dialect.ts names what a second one would provide).
import { SqliteDialect } from 'kysely';
import type { Durability, SqlConnection, SqlDialect } from './sql-dialect';

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',

  configure(db: SqlConnection, durability: Durability): void {
    db.pragma('journal_mode = WAL');
    // FULL: each commit is on disk when it returns; NORMAL (group commit): still crash-consistent in
    // WAL mode, and Storage.flush() syncs the WAL once for many commits.
    db.pragma(durability === 'on-flush' ? 'synchronous = NORMAL' : 'synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    // 64 MiB page cache: the edge and nid indexes of a million-event database stay in memory.
    db.pragma('cache_size = -65536');
  },

  kyselyDialect(db: SqlConnection) {
    return new SqliteDialect({ database: db });
  },

  writeTransaction<A extends unknown[], R>(db: SqlConnection, work: (...args: A) => R): (...args: A) => R {
    // BEGIN IMMEDIATE takes SQLite's write lock up front; a deferred BEGIN could fail with SQLITE_BUSY
    // at its first write after reading, when another process wrote in between.
    const transaction = db.transaction(work);
    return (...args: A) => transaction.immediate(...args);
  },

  inTransaction(db: SqlConnection): boolean {
    return db.inTransaction;
  },
};
