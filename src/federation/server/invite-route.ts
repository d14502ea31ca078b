// PUT /_matrix/federation/v2/invite/{roomId}/{eventId} (server-server API "Inviting to a room"): another
// server invites one of our users; we check and co-sign the invite and keep it as an outlier.
import { Router } from '@koa/router';
import { addEventSignature, verifyEventSignatures } from '../../crypto/event-signing';
import { MatrixError } from '../../protocol/errors';
import { parseUserId } from '../../protocol/identifiers';
import { isJsonObject } from '../../protocol/json';
import { Pdu } from '../../protocol/pdu';
import { assertEventNumbers } from '../../protocol/raw-json';
import { toRoomEvent } from '../../protocol/room-event';
import { roomVersions } from '../../protocol/room-versions';
import type { FederationContext } from './federation-context';
import { jsonBodyOf, requiredParam } from '../../http/request-params';
import { aclAllows } from './room-access';

/** Stripped state events kept with an invite: the spec's list is a handful; more is noise or hostile. */
const MAX_INVITE_STATE = 20;

export function inviteRouter(fed: FederationContext): Router {
  const router = new Router();
  router.put('/_matrix/federation/v2/invite/:roomId/:eventId', async (ctx) => {
    const roomId = requiredParam(ctx, 'roomId');
    const eventId = requiredParam(ctx, 'eventId');
    const body = jsonBodyOf(ctx);
    const version = typeof body.room_version === 'string' ? body.room_version : undefined;
    if (version === undefined || !Object.prototype.hasOwnProperty.call(roomVersions, version)) {
      throw new MatrixError(400, 'M_INCOMPATIBLE_ROOM_VERSION', `Room version ${String(version)} is not supported here`, { room_version: version ?? null });
    }
    if (!isJsonObject(body.event)) throw new MatrixError(400, 'M_BAD_JSON', 'Missing event');
    let event;
    try {
      // Numbers as written in the request (room versions 6+: canonical JSON), which parsing erased.
      assertEventNumbers(body.event, roomVersions[version]!.strictCanonicalJson);
      event = toRoomEvent(body.event as unknown as Pdu, version);
    } catch (error) {
      throw new MatrixError(400, 'M_BAD_JSON', `Invalid invite event: ${(error as Error).message}`);
    }
    if (event.eventId !== eventId || event.roomId !== roomId) throw new MatrixError(400, 'M_BAD_JSON', 'The event does not match the path');
    if (event.type !== 'm.room.member' || event.content.membership !== 'invite' || event.stateKey === undefined) {
      throw new MatrixError(400, 'M_BAD_JSON', 'Expected an m.room.member invite');
    }
    if (parseUserId(event.stateKey)?.serverName !== fed.serverName) throw new MatrixError(403, 'M_FORBIDDEN', `${event.stateKey} is not a user of ${fed.serverName}`);
    if (parseUserId(event.sender)?.serverName !== ctx.state.origin) throw new MatrixError(403, 'M_FORBIDDEN', 'The inviter must belong to the requesting server');
    // Server ACLs cover /invite too (spec "Server Access Control Lists"), for rooms whose state we hold.
    if (!aclAllows(fed.storage, roomId, ctx.state.origin as string)) throw new MatrixError(403, 'M_FORBIDDEN', `Server ${ctx.state.origin} is denied by the room's server ACL`);
    const verdict = await verifyEventSignatures(event.pdu, version, fed.keyRing.lookup);
    if (!verdict.ok) throw new MatrixError(403, 'M_FORBIDDEN', `Invite signature check failed: ${verdict.reason}`);
    const key = fed.signingKey();
    const signed = addEventSignature(event.pdu, version, fed.serverName, key.keyId, key.seed);
    // The inviter's stripped state (server-server API "Inviting to a room": invite_room_state) is kept in
    // the stored copy's unsigned, outside hashes and signatures, for the invitee's /sync invite_state;
    // the inviter's word only, bounded, and only objects.
    const inviteState = Array.isArray(body.invite_room_state) ? body.invite_room_state.filter(isJsonObject).slice(0, MAX_INVITE_STATE) : undefined;
    const stored = toRoomEvent(inviteState && inviteState.length > 0 ? { ...signed, unsigned: { ...signed.unsigned, invite_room_state: inviteState } } : signed, version, { validate: false, eventId });
    fed.rooms.storeOutlierMembership(stored); // through the room service, the one way in
    fed.logger.info({ roomId, eventId, invitee: event.stateKey, inviter: event.sender }, 'received an invite');
    ctx.body = { event: signed };
  });
  return router;
}
