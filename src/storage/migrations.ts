// Schema migrations: numbered schema/NNN-name.sql files applied in order at open, each recorded in schema_migrations.
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The schema/ folder shipped with the package (two levels above src/storage and dist/src/storage alike). */
export function defaultSchemaDir(): string {
  for (const candidate of [path.resolve(__dirname, '../../schema'), path.resolve(__dirname, '../../../schema')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`dagmar: cannot find the schema/ folder near ${__dirname}`);
}

/** Reads NNN-name.sql files, sorted by number; rejects gaps and duplicates so the order is unambiguous. */
export function loadMigrations(dir: string = defaultSchemaDir()): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .map((file) => /^(\d{3})-([a-z0-9-]+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: fs.readFileSync(path.join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`dagmar: schema migrations must be numbered 001, 002, … without gaps; found ${m.version} at position ${i + 1}`);
  });
  return migrations;
}

/**
 * Brings the database up to the newest known migration, all pending ones in one transaction.
 * A database whose recorded version is newer than this code knows was written by a newer dagmar:
 * opening it could corrupt it, so we refuse with a message saying so. `now` stamps applied_ts.
 */
export function applyMigrations(db: BetterSqlite3.Database, now: () => number, migrations: Migration[] = loadMigrations()): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ts BIGINT NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  if (current > known) {
    throw new Error(
      `dagmar: this database has schema version ${current}, but this version of dagmar only knows up to ${known}; ` +
        'it was written by a newer dagmar — upgrade dagmar to open it (refusing to touch it)',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_ts) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now());
    }
  }).immediate();
  return known;
}
