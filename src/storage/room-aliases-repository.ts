// Our own room aliases (client-server API "Room aliases"): alias → room ID, with who created it.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface RoomAliasRow {
  roomId: string;
  creator: string;
}

export class RoomAliasesRepository {
  private readonly insert;
  private readonly select;
  private readonly remove;
  private readonly byRoom;
  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.insert = prepare<{ a: string; r: string; c: string; ts: number }>(
      db,
      kysely
        .insertInto('room_aliases')
        .values({ room_alias: param('a'), room_id: param('r'), creator: param('c'), created_ts: param('ts') })
        .onConflict((oc) => oc.column('room_alias').doNothing()),
    );
    this.select = prepare<{ a: string }, { room_id: string; creator: string }>(db, kysely.selectFrom('room_aliases').select(['room_id', 'creator']).where('room_alias', '=', param('a')));
    this.remove = prepare<{ a: string }>(db, kysely.deleteFrom('room_aliases').where('room_alias', '=', param('a')));
    this.byRoom = prepare<{ r: string }, { room_alias: string }>(db, kysely.selectFrom('room_aliases').select('room_alias').where('room_id', '=', param('r')).orderBy('room_alias'));
  }

  /** Adds the alias; false when it already exists (the first one stays). */
  add(alias: string, roomId: string, creator: string): boolean {
    return this.insert.run({ a: alias, r: roomId, c: creator, ts: this.now() }).changes === 1;
  }

  get(alias: string): RoomAliasRow | undefined {
    const row = this.select.get({ a: alias });
    return row && { roomId: row.room_id, creator: row.creator };
  }

  /** Removes the alias; false when there was none. */
  delete(alias: string): boolean {
    return this.remove.run({ a: alias }).changes === 1;
  }

  forRoom(roomId: string): string[] {
    return this.byRoom.all({ r: roomId }).map((r) => r.room_alias);
  }
}
