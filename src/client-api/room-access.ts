// Who may read or act in a room through the client API. Reading follows the room's current
// m.room.history_visibility coarsely: members read; others only when it is world_readable.
// (Per-event visibility for former members is not implemented: they are refused.)
import { MatrixError } from '../protocol/errors';
import type { RoomService } from '../rooms/room-service';

/** 403 unless the user is joined (unknown rooms answer the same, so that existence does not leak). */
export function assertJoined(rooms: RoomService, roomId: string, userId: string): void {
  if (rooms.membershipOf(roomId, userId) !== 'join') throw new MatrixError(403, 'M_FORBIDDEN', `${userId} is not in room ${roomId}`);
}

export function assertCanRead(rooms: RoomService, roomId: string, userId: string): void {
  if (rooms.membershipOf(roomId, userId) === 'join') return;
  const id = rooms.currentStateEventId(roomId, 'm.room.history_visibility', '');
  const visibility = id ? rooms.storage.getEvent(id)?.event.content.history_visibility : undefined;
  if (visibility !== 'world_readable') throw new MatrixError(403, 'M_FORBIDDEN', `${userId} may not read room ${roomId}`);
}
