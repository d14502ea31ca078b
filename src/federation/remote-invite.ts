// Inviting a user of another server (server-server API "Inviting to a room", inviting side): the
// invitee's server must co-sign our invite through PUT /v2/invite before any server may accept it.
import { verifyEventSignatures } from '../crypto/event-signing';
import type { KeyRing } from '../crypto/key-ring';
import { MatrixError } from '../protocol/errors';
import { parseUserId } from '../protocol/identifiers';
import type { JsonObject } from '../protocol/json';
import type { Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { stateKey } from '../state/state-map';
import type { Storage } from '../storage';
import type { FederationApi } from './client/federation-api';
import { FederationRequestError } from './client/federation-request-error';

/** State the invitee's client sees before joining ("stripped state", client-server API "Stripped state"). */
const STRIPPED_STATE_TYPES = ['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.canonical_alias', 'm.room.avatar', 'm.room.encryption', 'm.room.topic'];

function strippedState(storage: RemoteInviteDeps['storage'], invite: RoomEvent): JsonObject[] {
  const current = storage.getCurrentState(invite.roomId);
  const ids = STRIPPED_STATE_TYPES.map((type) => current.get(stateKey(type, ''))).filter((id): id is string => id !== undefined);
  const inviter = current.get(stateKey('m.room.member', invite.sender));
  if (inviter) ids.push(inviter);
  return ids.flatMap((id) => {
    const stored = storage.getEvent(id);
    if (!stored) return [];
    const { type, state_key, sender, content } = stored.event.pdu;
    return [{ type, state_key: state_key ?? '', sender, content } as JsonObject];
  });
}

export interface RemoteInviteDeps {
  /** Reads only: the room's current state, for the stripped state sent with the invite. */
  storage: Pick<Storage, 'getCurrentState' | 'getEvent'>;
  api: Pick<FederationApi, 'invite'>;
  keyRing: Pick<KeyRing, 'lookup'>;
}

/**
 * Sends our signed invite to the invitee's server and returns it with that server's signature added.
 * The answer must be the same event (same ID, so the same hashes) signed by both servers; otherwise
 * the invite is refused with 502 and nothing is stored.
 */
export async function cosignRemoteInvite(deps: RemoteInviteDeps, invite: RoomEvent): Promise<RoomEvent> {
  const target = parseUserId(invite.stateKey)?.serverName;
  if (!target) throw new MatrixError(400, 'M_INVALID_PARAM', `Cannot invite ${String(invite.stateKey)}: not a user ID`);
  let answer;
  try {
    answer = await deps.api.invite(target, invite.roomId, invite.eventId, {
      event: invite.pdu,
      room_version: invite.roomVersion.id,
      invite_room_state: strippedState(deps.storage, invite),
    });
  } catch (error) {
    // The invitee's server refusing (403, 400 M_INCOMPATIBLE_ROOM_VERSION, …) is the client's answer.
    if (error instanceof FederationRequestError && error.kind === 'http' && error.status !== undefined && error.status < 500) {
      const incompatible = error.errcode === 'M_INCOMPATIBLE_ROOM_VERSION';
      throw new MatrixError(incompatible ? 400 : 403, incompatible ? 'M_INCOMPATIBLE_ROOM_VERSION' : 'M_FORBIDDEN', `${target} refused the invite: ${error.message}`);
    }
    throw new MatrixError(502, 'M_UNKNOWN', `Could not deliver the invite to ${target}: ${(error as Error).message}`);
  }
  let cosigned: RoomEvent;
  try {
    cosigned = toRoomEvent(answer.event as unknown as Pdu, invite.roomVersion);
  } catch (error) {
    throw new MatrixError(502, 'M_UNKNOWN', `${target} answered the invite with a malformed event: ${(error as Error).message}`);
  }
  if (cosigned.eventId !== invite.eventId) throw new MatrixError(502, 'M_UNKNOWN', `${target} answered the invite with a different event`);
  const verdict = await verifyEventSignatures(cosigned.pdu, invite.roomVersion, deps.keyRing.lookup, [target]);
  if (!verdict.ok) throw new MatrixError(502, 'M_UNKNOWN', `${target} did not co-sign the invite: ${verdict.reason}`);
  return cosigned;
}
