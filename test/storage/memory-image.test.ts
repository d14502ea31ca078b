// ':memory:' stores start from one serialised, migrated image: same schema as running schema/, each copy its own database.
import Database from 'better-sqlite3';
import { loadMigrations, openStorage } from '../../src/storage';
import { migratedMemoryImage } from '../../src/storage/storage';
import { MinimalRoom } from './support/minimal-room';
import { openStorageWithHandle } from './support/storage-with-handle';

const schemaOf = (db: Database.Database): unknown[] => db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();

test('the image holds exactly the schema and migration rows that running schema/ produces', () => {
  const { storage, db: migrated } = openStorageWithHandle(':memory:');
  const copy = new Database(migratedMemoryImage().image);
  expect(schemaOf(copy)).toEqual(schemaOf(migrated));
  expect(schemaOf(copy).length).toBeGreaterThan(10);
  const versions = (db: Database.Database): unknown[] => db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  expect(versions(copy)).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
  expect(versions(copy)).toEqual(versions(migrated));
  copy.close();
  storage.close();
});

test('two in-memory stores opened from the image share nothing', () => {
  const a = openStorage(':memory:');
  const b = openStorage(':memory:');
  const room = new MinimalRoom('10');
  a.persistEvents([{ event: room.create }, { event: room.join }]);
  expect(a.listRooms().map((r) => r.roomId)).toEqual([room.roomId]);
  expect(b.listRooms()).toEqual([]);
  expect(b.getEvent(room.join.eventId)).toBeUndefined();
  const c = openStorage(':memory:');
  expect(c.listRooms()).toEqual([]);
  for (const s of [a, b, c]) s.close();
});
