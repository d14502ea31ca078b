// Opens storage on a better-sqlite3 connection the test keeps a handle to, for the few checks that need
// raw SQL on their own database (row counts, pragmas, a corrupted row): Storage itself exposes no SQL.
import Database from 'better-sqlite3';
import { openStorage, OpenStorageOptions, Storage } from '../../../src/storage';

export function openStorageWithHandle(path = ':memory:', options: OpenStorageOptions = {}): { storage: Storage; db: Database.Database } {
  const db = new Database(path);
  return { storage: openStorage(db, options), db };
}

/** Rows in a table of the test's own database. */
export function rowCount(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}
