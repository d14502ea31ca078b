// Joining a room that lives on another server (server-server API "Joining Rooms", joining side):
// make_join for a template, sign it, send_join, check the returned state and auth chain, store them
// as outliers, and take our join event in with the state the resident server gave us. Also the
// leaving side of "Leaving Rooms (Rejecting Invites)": make_leave, sign, send_leave.
import { signEvent } from '../crypto/event-signing';
import { randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonObject } from '../protocol/json';
import { Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { getRoomVersion, ROOM_VERSION_IDS, RoomVersion } from '../protocol/room-versions';
import { FederationApi } from './client/federation-api';
import { checkPdu } from '../rooms/pdu-checks';
import { belongsToRoom, foreignReason, foreignReferences, RoomRef } from '../rooms/room-membership-check';
import { stateKey, StateMap } from '../state/state-map';
import type { Homeserver } from '../homeserver';

/** What joining and leaving use of a server (a Homeserver, or a TestPeer that joins as a client of the target). */
export type RemoteJoinHost = Pick<Homeserver, 'serverName' | 'client' | 'rooms' | 'keyRing' | 'logger' | 'signingKey' | 'storage'>;
import type { IngestOutcome } from '../rooms/ingest-pipeline';

export interface RemoteJoinResult {
  roomId: string;
  event: RoomEvent;
  outcome: IngestOutcome;
  /** The server that answered. */
  via: string;
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

/** Joins `userId` (one of ours) to `roomId` through the first of `servers` that answers. */
export async function joinRemoteRoom(hs: RemoteJoinHost, roomId: string, userId: string, servers: readonly string[]): Promise<RemoteJoinResult> {
  const errors: string[] = [];
  for (const via of servers.filter((s) => s !== hs.serverName)) {
    try {
      return await joinVia(hs, roomId, userId, via);
    } catch (error) {
      errors.push(`${via}: ${(error as Error).message}`);
      hs.logger.warn({ roomId, via, error: (error as Error).message }, 'remote join failed');
    }
  }
  throw new MatrixError(404, 'M_NOT_FOUND', `Could not join ${roomId} through any of ${servers.join(', ') || 'no servers'}${errors.length ? `: ${errors.join('; ')}` : ''}`);
}

async function joinVia(hs: RemoteJoinHost, roomId: string, userId: string, via: string): Promise<RemoteJoinResult> {
  const made = await hs.client.requestJson<{ event?: JsonObject; room_version?: string }>(via, 'GET', `/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(userId)}`, {
    query: { ver: [...ROOM_VERSION_IDS] },
  });
  const rv = getRoomVersion(made.room_version ?? '1');
  const signed = signTemplate(hs, made.event, rv, roomId, userId, 'join');

  const answer = await hs.client.requestJson<{ event?: unknown; state?: unknown[]; auth_chain?: unknown[] }>(
    via,
    'PUT',
    `/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(signed.eventId)}`,
    { body: signed.pdu as unknown as JsonObject },
  );
  // The resident may have co-signed a restricted join; its answer must still be our event.
  const returned = answer.event === undefined ? signed : await checkOrThrow(hs, answer.event, rv);
  if (returned.eventId !== signed.eventId) throw new Error('send_join returned a different event');

  const room: RoomRef = { roomId, roomVersionId: rv.id };
  const authChain = await checkAll(hs, answer.auth_chain ?? [], rv, room);
  const state = await checkAll(hs, answer.state ?? [], rv, room);
  if (!state.some((e) => e.type === 'm.room.create' && e.roomId === roomId)) throw new Error('send_join state has no create event for the room');
  // Outliers are checked against their own auth events, parents first, and rejected ones flagged.
  const rejected = hs.rooms.ingestOutliers([...authChain, ...state]);
  const stateBefore: StateMap = new Map();
  for (const event of state) {
    if (event.stateKey !== undefined && !rejected.has(event.eventId)) stateBefore.set(stateKey(event.type, event.stateKey), event.eventId);
  }
  const outcome = await hs.rooms.ingestRemoteEvent(returned, [stateBefore]);
  if (outcome.status !== 'accepted' && outcome.status !== 'duplicate') throw new Error(`our join was ${outcome.status}: ${outcome.reason}`);
  hs.logger.info({ roomId, via, eventId: returned.eventId, stateEvents: state.length, authChain: authChain.length }, 'joined remote room');
  return { roomId, event: returned, outcome, via };
}

/** Our signature on a make_join/make_leave template, after checking it is the membership we asked for. */
function signTemplate(hs: RemoteJoinHost, template: unknown, rv: RoomVersion, roomId: string, userId: string, membership: 'join' | 'leave'): RoomEvent {
  if (
    !isJsonObject(template) ||
    template.room_id !== roomId ||
    template.type !== 'm.room.member' ||
    template.state_key !== userId ||
    template.sender !== userId ||
    !isJsonObject(template.content) ||
    template.content.membership !== membership
  ) {
    throw new Error(`make_${membership} returned an unusable template`);
  }
  const skeleton: Record<string, unknown> = { ...template, origin_server_ts: Date.now() };
  delete skeleton.hashes;
  delete skeleton.signatures;
  delete skeleton.unsigned;
  if (rv.eventIdFormat === 'server-assigned') skeleton.event_id = `$${randomBytes(12).toString('base64url')}:${hs.serverName}`;
  if (rv.redaction !== 'v11') skeleton.origin = hs.serverName;
  else delete skeleton.origin;
  const key = hs.signingKey();
  return toRoomEvent(signEvent(skeleton, rv, hs.serverName, key.keyId, key.seed) as unknown as Pdu, rv);
}

/**
 * Rejects an invite to a room we are not in (or leaves one we hold no state for) through the first
 * of `servers` that answers: make_leave, sign, send_leave. Our leave is kept as an outlier, which
 * also marks the invite as answered.
 */
export async function leaveRemoteRoom(hs: RemoteJoinHost, roomId: string, userId: string, servers: readonly string[]): Promise<RoomEvent> {
  const api = new FederationApi(hs.client);
  const errors: string[] = [];
  for (const via of servers.filter((s) => s !== hs.serverName)) {
    try {
      const made = await api.makeLeave(via, roomId, userId);
      const rv = getRoomVersion(made.room_version ?? hs.storage.roomVersionOf(roomId) ?? '1');
      const signed = signTemplate(hs, made.event, rv, roomId, userId, 'leave');
      await api.sendLeave(via, roomId, signed.eventId, signed.pdu);
      hs.storage.persistEvents([{ event: signed, outlier: true }]);
      hs.logger.info({ roomId, via, eventId: signed.eventId }, 'left remote room');
      return signed;
    } catch (error) {
      errors.push(`${via}: ${(error as Error).message}`);
      hs.logger.warn({ roomId, via, error: (error as Error).message }, 'remote leave failed');
    }
  }
  throw new MatrixError(502, 'M_UNKNOWN', `Could not leave ${roomId} through any of ${servers.join(', ') || 'no servers'}${errors.length ? `: ${errors.join('; ')}` : ''}`);
}

async function checkOrThrow(hs: RemoteJoinHost, raw: unknown, rv: RoomVersion): Promise<RoomEvent> {
  const checked = await checkPdu(raw, rv, hs.keyRing.lookup);
  if (!checked.ok) throw new Error(`send_join returned a bad event: ${checked.error.message}`);
  return checked.event;
}

/**
 * Steps 1–3 on every PDU of a send_join answer, and each must be of the room we join and cite no
 * stored event of another room (DESIGN.md §5); a bad one fails the join (we cannot trust the state).
 */
async function checkAll(hs: RemoteJoinHost, raws: unknown[], rv: RoomVersion, room: RoomRef): Promise<RoomEvent[]> {
  if (!Array.isArray(raws)) throw new Error('send_join answer: state and auth_chain must be lists');
  const events: RoomEvent[] = [];
  for (const raw of raws) {
    const event = await checkOrThrow(hs, raw, rv);
    const foreign = belongsToRoom(event, room) ? foreignReferences(hs.storage, event) : [event];
    if (foreign.length > 0) throw new Error(`send_join answer carries ${foreignReason(foreign, room)}`);
    events.push(event);
  }
  return events;
}
