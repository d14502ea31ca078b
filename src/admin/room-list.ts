// Every room in storage with its version and sizes: for the admin API's room list and the offline CLI.
import type { RoomSummary, Storage } from '../storage';

export type { RoomSummary };

/** Sorted by room ID. */
export function listRooms(storage: Storage): RoomSummary[] {
  return storage.listRooms();
}
