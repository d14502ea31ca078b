// Which servers to ask when joining a room we hold no current state for (client-server API
// "POST /join/{roomIdOrAlias}": `via` / `server_name` name servers that must be in the room).
import { parseRoomId, parseUserId } from '../protocol/identifiers';

/**
 * The client's `via` servers first, then the server of the user who invited us (it is in the room),
 * then the server named in the room ID (room versions before 12 name the creator's). Our own server
 * is never asked; each server once, in that order.
 */
export function joinServers(ownServer: string, roomId: string, via: readonly string[], inviteSender: string | undefined): string[] {
  const candidates = [...via, inviteSender === undefined ? undefined : parseUserId(inviteSender)?.serverName, parseRoomId(roomId)?.serverName];
  return [...new Set(candidates.filter((s): s is string => s !== undefined && s !== ownServer))];
}
