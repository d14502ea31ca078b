// Joining as a light server (server-server API "Joining Rooms", joining side): make_join through a
// `via` server for a template, sign it, send_join, and verify the answer like every other event — the
// state and auth chain through the PDU checks and the auth rules, our join against the returned state.
import { checkAuthRules } from '../auth/auth-rules';
import { signEvent } from '../crypto/event-signing';
import { randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import { isJsonObject } from '../protocol/json';
import type { Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { getRoomVersion, ROOM_VERSION_IDS, RoomVersion } from '../protocol/room-versions';
import { StateMap, stateKey } from '../protocol/state-map';
import { authStateOf } from './auth-state-of';
import type { Signer } from './light-event-builder';
import { parseSupplied, VerifyContext, verifyEvents } from './verify-events';

export interface JoinResult {
  event: RoomEvent;
  roomVersion: RoomVersion;
  /** The state after our join, every event verified. */
  stateAfter: StateMap;
}

/** Signs a make_join template after checking that it is the join we asked for. */
function signTemplate(template: unknown, rv: RoomVersion, userId: string, signer: Signer): RoomEvent {
  if (!isJsonObject(template) || template.type !== 'm.room.member' || template.state_key !== userId || template.sender !== userId || !isJsonObject(template.content) || template.content.membership !== 'join') {
    throw new MatrixError(502, 'M_UNKNOWN', 'make_join returned an unusable template');
  }
  const skeleton: Record<string, unknown> = { ...template, origin_server_ts: signer.now() };
  delete skeleton.hashes;
  delete skeleton.signatures;
  delete skeleton.unsigned;
  if (rv.eventIdFormat === 'server-assigned') skeleton.event_id = `$${randomBytes(12).toString('base64url')}:${signer.serverName}`;
  if (rv.redaction !== 'v11') skeleton.origin = signer.serverName;
  else delete skeleton.origin;
  return toRoomEvent(signEvent(skeleton, rv, signer.serverName, signer.keyId, signer.seed) as unknown as Pdu, rv);
}

/** `ctxFor(rv)` gives the verification context for the `via` server once the room version is known. */
export async function joinVia(ctxFor: (rv: RoomVersion) => VerifyContext, roomId: string, userId: string, signer: Signer): Promise<JoinResult> {
  const probe = ctxFor(getRoomVersion('1'));
  const made = await probe.api.makeJoin(probe.server, roomId, userId, ROOM_VERSION_IDS, probe.call);
  const rv = getRoomVersion(made.room_version ?? '1');
  const ctx = ctxFor(rv);
  const join = signTemplate(made.event, rv, userId, signer);
  if (join.roomId !== roomId) throw new MatrixError(502, 'M_UNKNOWN', 'make_join returned a template for another room');
  const answer = await ctx.api.sendJoin(ctx.server, roomId, join.eventId, join.pdu, ctx.call);

  const chain = await parseSupplied(ctx, answer.auth_chain);
  const stateEvents = await parseSupplied(ctx, answer.state);
  const stateIds = stateEvents.map((e) => e.eventId);
  const failures = await verifyEvents(ctx, [...stateIds, ...join.authEventIds], [...chain, ...stateEvents]);
  if (stateIds.length !== answer.state.length) throw new MatrixError(502, 'M_UNKNOWN', 'send_join returned state events that fail the PDU checks');
  const before: StateMap = new Map();
  for (const id of stateIds) {
    const failure = failures.get(id);
    const verified = ctx.cache.get(id);
    if (failure || !verified) throw new MatrixError(502, 'M_UNKNOWN', `send_join returned an event we cannot verify: ${failure?.reason ?? id}`);
    if (verified.rejected !== undefined || verified.event.stateKey === undefined) continue; // rejected events are no part of the state
    before.set(stateKey(verified.event.type, verified.event.stateKey), id);
  }
  if (!before.has(stateKey('m.room.create', ''))) throw new MatrixError(502, 'M_UNKNOWN', 'send_join state has no create event for the room');
  const verdict = checkAuthRules(join, authStateOf(join, before, ctx.cache), rv);
  if (!verdict.allowed) throw new MatrixError(403, 'M_FORBIDDEN', `our join fails the auth rules on the returned state: ${verdict.reason}`);
  ctx.cache.put({ event: join, rejected: undefined });
  return { event: join, roomVersion: rv, stateAfter: new Map(before).set(stateKey('m.room.member', userId), join.eventId) };
}
