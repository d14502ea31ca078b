// A light server's cache on disk (schema/004-light-cache.sql): rooms, verified events, the verified
// state after its latest extremities. One transaction per save; reads only at start.
import type { JsonObject } from '../protocol/json';
import type { SqlConnection } from './sql-dialect';
import type { StorageContext } from './storage-context';

export interface LightRoomRecord {
  roomId: string;
  roomVersion: string;
  servers: string[];
}

export interface LightEventRecord {
  eventId: string;
  roomId: string;
  pdu: JsonObject;
  rejected: string | undefined;
  own: boolean;
}

export interface LightStateRecord {
  eventId: string;
  /** [stateKey, eventId] pairs. */
  state: Array<[string, string]>;
}

export class LightCacheRepository {
  private readonly upsertRoom;
  private readonly insertEvent;
  private readonly deleteStates;
  private readonly insertState;

  private readonly db: SqlConnection;

  constructor(private readonly ctx: StorageContext) {
    const db = ctx.db;
    this.db = db;
    this.upsertRoom = db.prepare('INSERT INTO light_rooms (room_id, room_version, servers_json) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET room_version = excluded.room_version, servers_json = excluded.servers_json');
    // An event's verdict never changes (its auth events are fixed by its ID); only `own` may be set later.
    this.insertEvent = db.prepare('INSERT INTO light_events (event_id, room_id, pdu_json, rejected_reason, own) VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET own = MAX(own, excluded.own)');
    this.deleteStates = db.prepare('DELETE FROM light_states WHERE room_id = ?');
    this.insertState = db.prepare('INSERT INTO light_states (room_id, event_id, state_json) VALUES (?, ?, ?)');
  }

  /** Stores the room, the new events, and replaces the room's states with `states`, atomically. */
  save(room: LightRoomRecord, events: readonly LightEventRecord[], states: readonly LightStateRecord[]): void {
    this.ctx.dialect.writeTransaction(this.db, () => {
      this.upsertRoom.run(room.roomId, room.roomVersion, JSON.stringify(room.servers));
      for (const e of events) this.insertEvent.run(e.eventId, e.roomId, JSON.stringify(e.pdu), e.rejected ?? null, e.own ? 1 : 0);
      this.deleteStates.run(room.roomId);
      for (const s of states) this.insertState.run(room.roomId, s.eventId, JSON.stringify(s.state));
    })();
  }

  rooms(): LightRoomRecord[] {
    const rows = this.db.prepare('SELECT room_id, room_version, servers_json FROM light_rooms ORDER BY room_id').all() as Array<{ room_id: string; room_version: string; servers_json: string }>;
    return rows.map((r) => ({ roomId: r.room_id, roomVersion: r.room_version, servers: JSON.parse(r.servers_json) as string[] }));
  }

  events(roomId: string): LightEventRecord[] {
    const rows = this.db.prepare('SELECT event_id, room_id, pdu_json, rejected_reason, own FROM light_events WHERE room_id = ? ORDER BY rowid').all(roomId) as Array<{
      event_id: string;
      room_id: string;
      pdu_json: string;
      rejected_reason: string | null;
      own: number;
    }>;
    return rows.map((r) => ({ eventId: r.event_id, roomId: r.room_id, pdu: JSON.parse(r.pdu_json) as JsonObject, rejected: r.rejected_reason ?? undefined, own: r.own === 1 }));
  }

  states(roomId: string): LightStateRecord[] {
    const rows = this.db.prepare('SELECT event_id, state_json FROM light_states WHERE room_id = ?').all(roomId) as Array<{ event_id: string; state_json: string }>;
    return rows.map((r) => ({ eventId: r.event_id, state: JSON.parse(r.state_json) as Array<[string, string]> }));
  }
}

