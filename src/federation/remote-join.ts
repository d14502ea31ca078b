// Joining a room that lives on another server (server-server API "Joining Rooms", joining side):
// make_join for a template, sign it, send_join, check the returned state and auth chain, store them
// as outliers, and take our join event in with the state the resident server gave us. Also the
// leaving side of "Leaving Rooms (Rejecting Invites)": make_leave, sign, send_leave. The room
// service decides when and through which servers; this is its injected RemoteMembership.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { signEvent, VerifyKeyLookup } from '../crypto/event-signing';
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonObject } from '../protocol/json';
import { Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { getRoomVersion, ROOM_VERSION_IDS, RoomVersion } from '../protocol/room-versions';
import type { EventSigner } from '../rooms/local-event-builder';
import { checkPdu } from '../crypto/pdu-checks';
import type { MembershipIngest, RemoteJoinResult, RemoteLeaveResult, RemoteMembership } from '../rooms/remote-membership';
import { belongsToRoom, foreignReason, foreignReferences, RoomRef } from '../rooms/room-membership-check';
import { stateKey, StateMap } from '../protocol/state-map';
import type { Storage } from '../storage';
import type { FederationApi } from './client/federation-api';

export type { RemoteJoinResult, RemoteLeaveResult } from '../rooms/remote-membership';

export interface RemoteJoinDeps {
  api: Pick<FederationApi, 'makeJoin' | 'sendJoin' | 'makeLeave' | 'sendLeave'>;
  /** Verify keys of the servers whose events the resident hands us. */
  keyLookup: VerifyKeyLookup;
  /** Our server name, key and clock: what signs the membership templates. */
  signer: EventSigner;
  /** Reads only: a room's version, and whether an answer cites events of our other rooms. */
  storage: Storage;
  /** Where the answers go: the room service, the one way in. */
  rooms: MembershipIngest;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export class FederationMembership implements RemoteMembership {
  constructor(private readonly deps: RemoteJoinDeps) {}

  /** Joins `userId` (one of ours) to `roomId` through the first of `servers` that answers. */
  async join(roomId: string, userId: string, servers: readonly string[], content: JsonObject): Promise<RemoteJoinResult> {
    const errors: string[] = [];
    for (const via of this.others(servers)) {
      try {
        return await this.joinVia(roomId, userId, via, content);
      } catch (error) {
        errors.push(`${via}: ${(error as Error).message}`);
        this.deps.logger.warn({ roomId, via, error: (error as Error).message }, 'remote join failed');
      }
    }
    throw new MatrixError(404, 'M_NOT_FOUND', `Could not join ${roomId} through any of ${servers.join(', ') || 'no servers'}${errors.length ? `: ${errors.join('; ')}` : ''}`);
  }

  /**
   * Rejects an invite to a room we are not in (or leaves one we hold no state for) through the first
   * of `servers` that answers: make_leave, sign, send_leave. Our leave is kept as an outlier, which
   * also marks the invite as answered.
   */
  async leave(roomId: string, userId: string, servers: readonly string[], content: JsonObject): Promise<RemoteLeaveResult> {
    const { api, rooms, logger, storage } = this.deps;
    const errors: string[] = [];
    for (const via of this.others(servers)) {
      try {
        const made = await api.makeLeave(via, roomId, userId);
        const rv = getRoomVersion(made.room_version ?? storage.roomVersionOf(roomId) ?? '1');
        const signed = this.signTemplate(made.event, rv, roomId, userId, 'leave', content);
        await api.sendLeave(via, roomId, signed.eventId, signed.pdu);
        rooms.storeOutlierMembership(signed);
        logger.info({ roomId, via, eventId: signed.eventId }, 'left remote room');
        return { roomId, event: signed, via };
      } catch (error) {
        errors.push(`${via}: ${(error as Error).message}`);
        logger.warn({ roomId, via, error: (error as Error).message }, 'remote leave failed');
      }
    }
    throw new MatrixError(502, 'M_UNKNOWN', `Could not leave ${roomId} through any of ${servers.join(', ') || 'no servers'}${errors.length ? `: ${errors.join('; ')}` : ''}`);
  }

  private others(servers: readonly string[]): string[] {
    return servers.filter((s) => s !== this.deps.signer.serverName);
  }

  private async joinVia(roomId: string, userId: string, via: string, content: JsonObject): Promise<RemoteJoinResult> {
    const { api, rooms, logger } = this.deps;
    const made = await api.makeJoin(via, roomId, userId, ROOM_VERSION_IDS);
    // "If not provided, the room version is assumed to be either "1" or "2"" (make_join response).
    const rv = getRoomVersion(made.room_version ?? '1');
    const signed = this.signTemplate(made.event, rv, roomId, userId, 'join', content);

    const answer = await api.sendJoin(via, roomId, signed.eventId, signed.pdu);
    // The resident may have co-signed a restricted join; its answer must still be our event.
    const returned = answer.event === undefined ? signed : await this.checkOrThrow(answer.event, rv);
    if (returned.eventId !== signed.eventId) throw new Error('send_join returned a different event');

    const room: RoomRef = { roomId, roomVersionId: rv.id };
    const authChain = await this.checkAll(answer.auth_chain, rv, room);
    const state = await this.checkAll(answer.state, rv, room);
    if (!state.some((e) => e.type === 'm.room.create' && e.roomId === roomId)) throw new Error('send_join state has no create event for the room');
    // Outliers are checked against their own auth events, parents first, and rejected ones flagged.
    const rejected = rooms.ingestOutliers([...authChain, ...state]);
    const stateBefore: StateMap = new Map();
    for (const event of state) {
      if (event.stateKey !== undefined && !rejected.has(event.eventId)) stateBefore.set(stateKey(event.type, event.stateKey), event.eventId);
    }
    const outcome = await rooms.ingestRemoteEvent(returned, [stateBefore]);
    if (outcome.status !== 'accepted' && outcome.status !== 'duplicate') throw new Error(`our join was ${outcome.status}: ${outcome.reason}`);
    logger.info({ roomId, via, eventId: returned.eventId, stateEvents: state.length, authChain: authChain.length }, 'joined remote room');
    return { roomId, event: returned, outcome, via };
  }

  /**
   * Our signature on a make_join/make_leave template, after checking it is the membership we asked
   * for. Our `content` (a reason, a displayname) is added under the resident's keys, which win: a
   * restricted join's `join_authorised_via_users_server` and the membership stay as offered.
   */
  private signTemplate(template: unknown, rv: RoomVersion, roomId: string, userId: string, membership: 'join' | 'leave', content: JsonObject): RoomEvent {
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
    const { serverName, signingKey, now } = this.deps.signer;
    const skeleton: Record<string, unknown> = { ...template, content: { ...content, ...template.content }, origin_server_ts: now() };
    delete skeleton.hashes;
    delete skeleton.signatures;
    delete skeleton.unsigned;
    if (rv.eventIdFormat === 'server-assigned') skeleton.event_id = `$${randomBytes(12).toString('base64url')}:${serverName}`;
    if (rv.redaction !== 'v11') skeleton.origin = serverName;
    else delete skeleton.origin;
    const key = signingKey();
    return toRoomEvent(signEvent(skeleton, rv, serverName, key.keyId, key.seed) as unknown as Pdu, rv);
  }

  private async checkOrThrow(raw: unknown, rv: RoomVersion): Promise<RoomEvent> {
    const checked = await checkPdu(raw, rv, this.deps.keyLookup);
    if (!checked.ok) throw new Error(`send_join returned a bad event: ${checked.error.message}`);
    return checked.event;
  }

  /**
   * Steps 1–3 on every PDU of a send_join answer, and each must be of the room we join and cite no
   * stored event of another room (DESIGN.md §5); a bad one fails the join (we cannot trust the state).
   */
  private async checkAll(raws: readonly unknown[], rv: RoomVersion, room: RoomRef): Promise<RoomEvent[]> {
    const events: RoomEvent[] = [];
    for (const raw of raws) {
      const event = await this.checkOrThrow(raw, rv);
      const foreign = belongsToRoom(event, room) ? foreignReferences(this.deps.storage, event) : [event];
      if (foreign.length > 0) throw new Error(`send_join answer carries ${foreignReason(foreign, room)}`);
      events.push(event);
    }
    return events;
  }
}
