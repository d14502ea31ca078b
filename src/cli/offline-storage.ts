// Opens a data directory's database for the offline commands (verify, dag export, rooms), refusing
// to create an empty one where the user mistyped a path.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStorage, Storage } from '../storage';

/** The database file inside a data directory; createHomeserver uses the same name. */
export const DATABASE_FILE = 'dagmar.sqlite';

export function openDataDir(dataDir: string): Storage {
  if (dataDir === ':memory:') throw new Error('an in-memory server keeps no data to read offline; pass --data-dir DIR');
  const path = join(dataDir, DATABASE_FILE);
  if (!existsSync(path)) throw new Error(`no dagmar database at ${resolve(path)} (is --data-dir right? \`dagmar serve\` creates it on first start)`);
  // WAL mode: reading while `dagmar serve` runs on the same directory is safe.
  return openStorage(path);
}
