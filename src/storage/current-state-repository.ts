// Room current state: one row per (room, type, state_key), updated with the room's extremities.
import { param, prepare } from './prepared';
import { StateMap, stateKey as makeStateKey } from '../protocol/state-map';
import type { NidDelta, NidState } from './state-snapshots-repository';
import type { StorageContext } from './storage-context';

export class CurrentStateRepository {
  private readonly rows;
  private readonly named;
  private readonly upsert;
  private readonly remove;

  constructor({ db, kysely }: StorageContext) {
    this.rows = prepare<{ r: number }, { state_key_nid: number; event_nid: number }>(
      db,
      kysely.selectFrom('room_current_state').select(['state_key_nid', 'event_nid']).where('room_nid', '=', param('r')),
    );
    this.named = prepare<{ r: number }, { event_type: string; state_key: string; event_id: string }>(
      db,
      kysely
        .selectFrom('room_current_state as c')
        .innerJoin('state_keys as k', 'k.state_key_nid', 'c.state_key_nid')
        .innerJoin('event_nids as n', 'n.event_nid', 'c.event_nid')
        .select(['k.event_type', 'k.state_key', 'n.event_id'])
        .where('c.room_nid', '=', param('r')),
    );
    this.upsert = prepare<{ r: number; k: number; e: number }>(
      db,
      kysely
        .insertInto('room_current_state')
        .values({ room_nid: param('r'), state_key_nid: param('k'), event_nid: param('e') })
        .onConflict((oc) => oc.columns(['room_nid', 'state_key_nid']).doUpdateSet((eb) => ({ event_nid: eb.ref('excluded.event_nid') }))),
    );
    this.remove = prepare<{ r: number; k: number }>(db, kysely.deleteFrom('room_current_state').where('room_nid', '=', param('r')).where('state_key_nid', '=', param('k')));
  }

  loadNids(roomNid: number): NidState {
    return new Map(this.rows.all({ r: roomNid }).map((row) => [row.state_key_nid, row.event_nid]));
  }

  load(roomNid: number): StateMap {
    return new Map(this.named.all({ r: roomNid }).map((row) => [makeStateKey(row.event_type, row.state_key), row.event_id]));
  }

  /**
   * What apply() changed since the caller last cleared it, per room, later changes winning: the read
   * cache moves a cached current state forward by these instead of reloading the whole state (which,
   * for a room taking in its members one by one, made every join cost a read of every member).
   */
  readonly changes = new Map<number, NidDelta>();

  apply(roomNid: number, delta: NidDelta): void {
    if (delta.size > 0) {
      let recorded = this.changes.get(roomNid);
      if (!recorded) this.changes.set(roomNid, (recorded = new Map()));
      for (const [k, e] of delta) recorded.set(k, e);
    }
    for (const [k, e] of delta) {
      if (e === null) this.remove.run({ r: roomNid, k });
      else this.upsert.run({ r: roomNid, k, e });
    }
  }
}
