// joinRemoteRoom(hs, roomId, userId, servers): the older spelling of `hs.rooms.joinRoom(roomId, userId, { via: servers })`, kept for users' suites.
import type { Homeserver } from '../homeserver';
import type { JoinResult } from '../rooms/room-service';

/** Joins `userId` (a user of `hs`) to `roomId`, through `servers` first when `hs` is not in the room. */
export function joinRemoteRoom(hs: Homeserver, roomId: string, userId: string, servers: readonly string[]): Promise<JoinResult> {
  return hs.rooms.joinRoom(roomId, userId, { via: servers });
}
