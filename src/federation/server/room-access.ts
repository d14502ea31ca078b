// Who may read a room over federation: the room must exist here, the requesting server must have a
// joined member in its current state, and m.room.server_acl must not deny it — checked in that order,
// so an outsider learns neither the membership nor the ACL (DESIGN.md §3).
import { MatrixError } from '../../protocol/errors';
import { stateKey, StateMap } from '../../protocol/state-map';
import type { Storage } from '../../storage';
import { joinedServersIn } from '../../rooms/joined-servers';
import { isServerAllowedByContent } from './server-acl';

/**
 * 404 unless the room has a place in our graph. A room we hold only outliers of (an invite to one of
 * our users, say) has no forward extremities and no state we could serve: unknown too, as MSC4370 wants.
 */
export function assertRoomKnown(storage: Storage, roomId: string): void {
  if (!storage.hasRoom(roomId) || storage.getForwardExtremities(roomId, 1).length === 0) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
}

/** True when `serverName` has a member with membership `join` in the room's current state. */
export function serverIsJoined(storage: Storage, roomId: string, serverName: string, currentState: StateMap = storage.getCurrentState(roomId)): boolean {
  return joinedServersIn(storage, currentState).has(serverName);
}

/** True unless we hold the room and its current server ACL denies `serverName`. */
export function aclAllows(storage: Storage, roomId: string, serverName: string): boolean {
  if (!storage.hasRoom(roomId)) return true;
  const aclId = storage.getCurrentState(roomId).get(stateKey('m.room.server_acl', ''));
  return aclId === undefined || isServerAllowedByContent(serverName, storage.getEvent(aclId)?.event.content);
}

/** Throws unless the room's current server ACL admits `serverName`. */
export function assertAclAllows(storage: Storage, roomId: string, serverName: string, currentState: StateMap = storage.getCurrentState(roomId)): void {
  const aclId = currentState.get(stateKey('m.room.server_acl', ''));
  if (aclId === undefined) return;
  const content = storage.getEvent(aclId)?.event.content;
  if (!isServerAllowedByContent(serverName, content)) {
    throw new MatrixError(403, 'M_FORBIDDEN', `Server ${serverName} is denied by the room's server ACL`);
  }
}

/** The full guard for endpoints that read a room: 404 unknown room, 403 not joined, 403 ACL. */
export function assertServerMayReadRoom(storage: Storage, roomId: string, serverName: string): void {
  assertRoomKnown(storage, roomId);
  assertServerAdmitted(storage, roomId, serverName);
}

/** 403 not joined, then 403 ACL, for a room the caller already knows we hold. */
export function assertServerAdmitted(storage: Storage, roomId: string, serverName: string): void {
  // One read of the current state serves both checks.
  const currentState = storage.getCurrentState(roomId);
  if (!serverIsJoined(storage, roomId, serverName, currentState)) {
    throw new MatrixError(403, 'M_FORBIDDEN', `Server ${serverName} has no joined member in ${roomId}`);
  }
  assertAclAllows(storage, roomId, serverName, currentState);
}
