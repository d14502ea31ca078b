// Rooms: one row per room with its version and the snapshot its current state was derived from.
import { param, prepare } from './prepared';
import type { Selectable } from 'kysely';
import type { RoomsTable } from './database-schema';
import type { StorageContext } from './storage-context';

export type RoomRow = Selectable<RoomsTable>;

export class RoomsRepository {
  private readonly byId;
  private readonly byNid;
  private readonly insert;
  private readonly setSnapshot;
  private readonly ids;

  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.byId = prepare<{ roomId: string }, RoomRow>(db, kysely.selectFrom('rooms').selectAll().where('room_id', '=', param('roomId')));
    this.byNid = prepare<{ roomNid: number }, RoomRow>(db, kysely.selectFrom('rooms').selectAll().where('room_nid', '=', param('roomNid')));
    this.ids = prepare<Record<string, never>, { room_id: string }>(db, kysely.selectFrom('rooms').select('room_id').orderBy('room_id'));
    this.insert = prepare<{ roomId: string; version: string; ts: number }>(
      db,
      kysely.insertInto('rooms').values({ room_id: param('roomId'), room_version: param('version'), current_snapshot_nid: null, created_ts: param('ts') }),
    );
    this.setSnapshot = prepare<{ roomNid: number; snapshotNid: number | null }>(
      db,
      kysely.updateTable('rooms').set({ current_snapshot_nid: param('snapshotNid') }).where('room_nid', '=', param('roomNid')),
    );
  }

  get(roomId: string): RoomRow | undefined {
    return this.byId.get({ roomId });
  }

  /** Every room ID, sorted (no per-room counts: cheap enough for each /sync). */
  allIds(): string[] {
    return this.ids.all({}).map((r) => r.room_id);
  }

  getByNid(roomNid: number): RoomRow | undefined {
    return this.byNid.get({ roomNid });
  }

  /** The room's row, created on first sight with the given version (a later event with another version is an error). */
  getOrCreate(roomId: string, roomVersion: string): RoomRow {
    const existing = this.get(roomId);
    if (existing) {
      if (existing.room_version !== roomVersion) {
        throw new Error(`persistEvents: room ${roomId} has version ${existing.room_version}, but an event for it was built as version ${roomVersion}`);
      }
      return existing;
    }
    this.insert.run({ roomId, version: roomVersion, ts: this.now() });
    return this.get(roomId) as RoomRow;
  }

  setCurrentSnapshot(roomNid: number, snapshotNid: number | null): void {
    this.setSnapshot.run({ roomNid, snapshotNid });
  }
}
