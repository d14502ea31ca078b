// Every room in storage with its version and sizes: for the admin API's room list and the offline CLI.
import type { Storage } from '../storage';

export interface RoomSummary {
  roomId: string;
  roomVersion: string;
  /** Stored events, outliers included. */
  events: number;
  forwardExtremities: number;
}

/** Sorted by room ID. */
export function listRooms(storage: Storage): RoomSummary[] {
  return storage.db
    .prepare(
      `SELECT r.room_id AS roomId, r.room_version AS roomVersion,
              (SELECT count(*) FROM events e WHERE e.room_nid = r.room_nid) AS events,
              (SELECT count(*) FROM forward_extremities f WHERE f.room_nid = r.room_nid) AS forwardExtremities
         FROM rooms r
        ORDER BY r.room_id`,
    )
    .all() as RoomSummary[];
}
