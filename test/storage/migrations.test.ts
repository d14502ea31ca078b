// Migrations: applied once in order, recorded, refused for a database from a newer schema, atomic on failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMigrations, openStorage } from '../../src/storage';
import { openStorageWithHandle } from './support/storage-with-handle';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagmar-migrations-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the schema/ files are numbered from 001 and recorded on open; reopening applies nothing twice', () => {
  const migrations = loadMigrations();
  expect(migrations[0]).toMatchObject({ version: 1, name: 'event-graph' });
  const file = path.join(dir, 'db.sqlite');
  openStorage(file).close();
  const { storage: s, db } = openStorageWithHandle(file);
  expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  s.close();
});

test('a database written by a newer schema is refused with a clear message', () => {
  const file = path.join(dir, 'db.sqlite');
  const { storage: s, db } = openStorageWithHandle(file);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_ts) VALUES (?, ?, ?)').run(999, 'from-the-future', 0);
  s.close();
  const known = loadMigrations().length;
  expect(() => openStorage(file)).toThrow(new RegExp(`schema version 999.*only knows up to ${known}.*newer dagmar`));
});

test('a failing migration leaves the database as it was', () => {
  const file = path.join(dir, 'db.sqlite');
  openStorage(file).close();
  const known = loadMigrations();
  const migrations = [...known, { version: known.length + 1, name: 'broken', sql: 'CREATE TABLE extra (x INTEGER); THIS IS NOT SQL;' }];
  expect(() => openStorage(file, { migrations })).toThrow();
  const { storage: s, db } = openStorageWithHandle(file);
  expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ n: 0 });
  expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: known.length });
  s.close();
});

test('migration files must be numbered without gaps', () => {
  fs.writeFileSync(path.join(dir, '001-a.sql'), 'SELECT 1;');
  fs.writeFileSync(path.join(dir, '003-c.sql'), 'SELECT 1;');
  expect(() => loadMigrations(dir)).toThrow(/without gaps/);
});
