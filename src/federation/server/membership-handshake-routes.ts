// The join and leave handshakes, resident side (server-server API "Joining Rooms", "Leaving Rooms"):
// GET make_join / make_leave answer an unsigned template built on our extremities; PUT v2 send_join /
// send_leave take the signed event through the normal intake and answer with the room's state.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { addEventSignature } from '../../crypto/event-signing';
import { MatrixError } from '../../protocol/errors';
import { parseUserId } from '../../protocol/identifiers';
import { isJsonObject, JsonObject } from '../../protocol/json';
import { buildEventTemplate } from '../../rooms/local-event-builder';
import { checkAuthRules } from '../../auth';
import { authStateFrom } from '../../rooms/ingest-pipeline';
import { toRoomEvent } from '../../protocol/room-event';
import { Pdu } from '../../protocol/pdu';
import { assertEventNumbers } from '../../protocol/raw-json';
import { getRoomVersion } from '../../protocol/room-versions';
import { PduIntake } from '../pdu-intake';
import type { FederationContext } from './federation-context';
import { jsonBodyOf, queryList, requiredParam } from './request-params';
import { assertAclAllows, assertRoomKnown } from './room-access';
import { restrictedJoinAuthoriser } from './restricted-join';
import { servedPdu } from '../../rooms/redaction-application';

type Membership = 'join' | 'leave';

function assertOwnUser(ctx: Context, userId: string): void {
  const server = parseUserId(userId)?.serverName;
  if (!server) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid user ID ${userId}`);
  if (server !== ctx.state.origin) throw new MatrixError(403, 'M_FORBIDDEN', `${ctx.state.origin} cannot act for ${userId}`);
}

async function makeMembership(fed: FederationContext, ctx: Context, membership: Membership): Promise<void> {
  const roomId = requiredParam(ctx, 'roomId');
  const userId = requiredParam(ctx, 'userId');
  assertRoomKnown(fed.storage, roomId);
  assertOwnUser(ctx, userId);
  assertAclAllows(fed.storage, roomId, ctx.state.origin as string);
  const roomVersion = fed.storage.roomVersionOf(roomId) as string;
  if (membership === 'join') {
    // Without `ver`, the joining server supports room version 1 only (spec).
    const supported = queryList(ctx, 'ver');
    if (!(supported.length === 0 ? ['1'] : supported).includes(roomVersion)) {
      throw new MatrixError(400, 'M_INCOMPATIBLE_ROOM_VERSION', `Room ${roomId} is version ${roomVersion}, which your server does not support`, { room_version: roomVersion });
    }
  }
  const content: JsonObject = { membership };
  if (membership === 'join') {
    const authoriser = restrictedJoinAuthoriser(fed, roomId, userId);
    if (authoriser) content.join_authorised_via_users_server = authoriser;
  }
  const template = await buildEventTemplate(fed.storage, roomId, { type: 'm.room.member', sender: userId, stateKey: userId, content }, fed.maxPrevEvents, fed.now());
  // Refuse now what the auth rules would refuse later (e.g. a join to an invite-only room).
  const probe = toRoomEvent({ ...template.skeleton, hashes: { sha256: '' }, signatures: {}, ...(template.roomVersion.eventIdFormat === 'server-assigned' ? { event_id: '$probe:probe' } : {}) } as unknown as Pdu, template.roomVersion, { validate: false, eventId: '$probe' });
  const verdict = checkAuthRules(probe, authStateFrom(fed.storage, probe, template.stateBefore), template.roomVersion, { isSignedBy: () => true });
  if (!verdict.allowed) throw new MatrixError(403, 'M_FORBIDDEN', `You cannot ${membership} ${roomId}: ${verdict.reason}`);
  ctx.body = { event: template.skeleton, room_version: roomVersion };
}

async function sendMembership(fed: FederationContext, intake: PduIntake, ctx: Context, membership: Membership): Promise<void> {
  const roomId = requiredParam(ctx, 'roomId');
  const eventId = requiredParam(ctx, 'eventId');
  assertRoomKnown(fed.storage, roomId);
  assertAclAllows(fed.storage, roomId, ctx.state.origin as string);
  let raw = jsonBodyOf(ctx);
  const rv = fed.storage.roomVersionOf(roomId) as string;
  const content = isJsonObject(raw.content) ? raw.content : {};
  if (raw.type !== 'm.room.member' || content.membership !== membership || raw.state_key !== raw.sender || raw.room_id !== roomId) {
    throw new MatrixError(400, 'M_BAD_JSON', `Expected an m.room.member ${membership} event by its own state_key in ${roomId}`);
  }
  assertOwnUser(ctx, String(raw.sender));
  // Before co-signing copies the event (and loses what its text said): numbers as written, room
  // versions 6+ requiring canonical JSON. intake.check repeats it for unsigned copies.
  try {
    assertEventNumbers(raw, getRoomVersion(rv).strictCanonicalJson);
  } catch (error) {
    throw new MatrixError(400, 'M_BAD_JSON', `Invalid ${membership} event: ${(error as Error).message}`);
  }
  // Restricted joins we authorised carry our signature too (server-server API "Restricted rooms").
  const authoriser = typeof content.join_authorised_via_users_server === 'string' ? content.join_authorised_via_users_server : undefined;
  if (membership === 'join' && authoriser && parseUserId(authoriser)?.serverName === fed.serverName) {
    const key = fed.signingKey();
    raw = addEventSignature(raw, rv, fed.serverName, key.keyId, key.seed);
  }
  const checked = await intake.check(raw);
  if (!checked.ok) throw new MatrixError(400, 'M_BAD_JSON', `Invalid ${membership} event: ${checked.reason}`);
  if (checked.event.eventId !== eventId) throw new MatrixError(400, 'M_BAD_JSON', `Event ID ${checked.event.eventId} does not match the path's ${eventId}`);
  const result = await intake.process(ctx.state.origin as string, raw);
  if (result.status === 'rejected' || result.status === 'dropped' || result.status === 'soft-failed') {
    throw new MatrixError(403, 'M_FORBIDDEN', `${membership} refused: ${result.reason ?? result.status}`);
  }
  // Other servers in the room learn of the membership from us, the resident server.
  fed.forward(checked.event, [ctx.state.origin as string]);
  if (membership === 'leave') {
    ctx.body = {};
    return;
  }
  const stateIds = [...fed.storage.getStateBefore(eventId).values()].sort();
  const pdus = (ids: string[]) => fed.storage.getEvents(ids).map((s) => servedPdu(fed.storage, s.event));
  ctx.body = {
    origin: fed.serverName,
    event: fed.storage.getEvent(eventId)?.event.pdu ?? raw,
    state: pdus(stateIds),
    auth_chain: pdus(fed.storage.getAuthChain([...stateIds, eventId])),
    members_omitted: false,
    servers_in_room: fed.rooms.joinedServers(roomId),
  };
}

export function membershipHandshakeRouter(fed: FederationContext, intake: PduIntake): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/make_join/:roomId/:userId', (ctx) => makeMembership(fed, ctx, 'join'));
  router.get('/_matrix/federation/v1/make_leave/:roomId/:userId', (ctx) => makeMembership(fed, ctx, 'leave'));
  router.put('/_matrix/federation/v2/send_join/:roomId/:eventId', (ctx) => sendMembership(fed, intake, ctx, 'join'));
  router.put('/_matrix/federation/v2/send_leave/:roomId/:eventId', (ctx) => sendMembership(fed, intake, ctx, 'leave'));
  return router;
}
