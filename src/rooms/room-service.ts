// The room service: the one way events enter storage — remote events through the ingest pipeline,
// local ones built on the extremity table, outlier memberships — serialised per room; joining and
// leaving (locally, or over federation through an injected RemoteMembership); and the room-level
// questions (membership, servers in the room) the APIs above ask.
import { checkAuthRules } from '../auth';
import { MatrixError } from '../protocol/errors';
import { parseUserId } from '../protocol/identifiers';
import { JsonObject } from '../protocol/json';
import type { Pdu } from '../protocol/pdu';
import { RoomEvent } from '../protocol/room-event';
import { DEFAULT_ROOM_VERSION, getRoomVersion } from '../protocol/room-versions';
import { stateKey, StateMap } from '../protocol/state-map';
import { Storage } from '../storage';
import { IngestOutcome, authorizeAndPersist, authStateFrom } from './ingest-pipeline';
import { joinedServersIn } from './joined-servers';
import { KeyedMutex } from './keyed-mutex';
import { buildCreateEvent, buildLocalEvent, EventSigner, LocalEventFields, selectPrevEvents } from './local-event-builder';
import { persistOutliers } from './outlier-ingest';
import { assertAllOfRoom } from './room-membership-check';
import { joinServers } from './join-servers';
import type { RemoteJoinResult, RemoteMembership } from './remote-membership';
import { initialPowerLevels, InitialStateEvent, presetState, RoomPreset } from './room-presets';

export interface RoomServiceOptions {
  storage: Storage;
  signer: EventSigner;
  /** prev_events per new event and per /extremities answer (1–20). */
  maxPrevEvents: number;
  /**
   * Co-signs an invite of a user on another server (server-server API "Inviting to a room"): called
   * outside the room lock with our signed invite, returns it signed by the invitee's server too.
   * Without it, such invites are refused.
   */
  cosignRemoteInvite?: (invite: RoomEvent) => Promise<RoomEvent>;
  /** Joins and leaves of rooms we hold no state for, over federation. Without it, such joins are refused. */
  remoteMembership?: RemoteMembership;
  /**
   * The newest invite of one of our users to a room that we hold only as an outlier (another
   * server's invite): it names the server to join or reject it through.
   */
  pendingRemoteInvite?: (roomId: string, userId: string) => Promise<Pdu | undefined>;
  /** Called after every event that was stored in the graph (local or remote), outside the lock. */
  onPersisted?: (event: RoomEvent, outcome: IngestOutcome, origin: 'local' | 'remote') => void;
  /** Called after a membership event was stored as an outlier (another server's invite, our rejection of it). */
  onOutlierMembership?: (event: RoomEvent) => void;
}

export interface CreateRoomOptions {
  creator: string;
  roomVersion?: string;
  preset?: RoomPreset;
  name?: string;
  topic?: string;
  initialState?: InitialStateEvent[];
  invite?: string[];
  /** Extra create-event content, e.g. `m.federate` or (v12) `additional_creators`. */
  creationContent?: JsonObject;
}

export interface JoinRoomOptions {
  /** Servers to try first (the client API's `via` / `server_name`). */
  via?: readonly string[];
  reason?: string;
  /** Extra m.room.member content (e.g. displayname); `membership` is always set by us. */
  content?: JsonObject;
}

export interface LeaveRoomOptions {
  reason?: string;
}

/** Our membership event after joinRoom/leaveRoom; `via` names the server used when it went over federation. */
export interface MembershipResult {
  roomId: string;
  event: RoomEvent;
  via?: string;
}

export type JoinResult = MembershipResult & Pick<RemoteJoinResult, 'outcome'>;

/** Memberships from which a user of ours leaves with an event of our own (not as a rejected remote invite). */
const LOCALLY_LEAVABLE = ['join', 'invite', 'knock'];

export class RoomService {
  private readonly locks = new KeyedMutex();

  constructor(private readonly options: RoomServiceOptions) {}

  get storage(): Storage {
    return this.options.storage;
  }

  /** Our next prev_events, which is also what MSC4370's /extremities answers. */
  prevEventsFor(roomId: string, limit = this.options.maxPrevEvents): Array<{ eventId: string; depth: number }> {
    return selectPrevEvents(this.storage, roomId, limit);
  }

  /** Runs `work` with the room's lock held (no other event for the room is processed meanwhile). */
  withRoomLock<T>(roomId: string, work: () => Promise<T> | T): Promise<T> {
    return this.locks.run(roomId, work);
  }

  /** A remote event that passed the format, signature and hash checks: auth, soft-fail, persist. */
  async ingestRemoteEvent(event: RoomEvent, extraStateSets: StateMap[] = []): Promise<IngestOutcome> {
    const outcome = await this.withRoomLock(event.roomId, () => {
      assertAllOfRoom(this.storage, event, extraStateSets);
      return authorizeAndPersist(this.storage, event, extraStateSets);
    });
    if (outcome.status !== 'duplicate') this.options.onPersisted?.(event, outcome, 'remote');
    return outcome;
  }

  /** Stores events fetched for auth chains or state, checked against their own auth events. */
  ingestOutliers(events: RoomEvent[]): Map<string, string> {
    return persistOutliers(this.storage, events);
  }

  /**
   * Builds, authorises and stores one of our own events. An event the auth rules would reject is
   * refused with 403 M_FORBIDDEN and nothing is stored. `prevEventIds` builds on chosen parents
   * instead of the forward extremities (forks on purpose, for testbeds and tests).
   */
  async sendLocalEvent(roomId: string, fields: LocalEventFields, options: { prevEventIds?: readonly string[] } = {}): Promise<RoomEvent> {
    const needsCosign = this.isRemoteInvite(fields);
    let { event, outcome } = await this.withRoomLock(roomId, async () => {
      const built = await buildLocalEvent(this.storage, this.options.signer, roomId, fields, this.options.maxPrevEvents, options.prevEventIds);
      this.assertAllowed(built.event, built.stateBefore);
      return { event: built.event, outcome: needsCosign ? undefined : await authorizeAndPersist(this.storage, built.event) };
    });
    if (outcome === undefined) {
      // The invitee's server signs first; no lock is held across that network call. Events that
      // arrived meanwhile make our invite a fork tip, which the next event merges.
      const cosign = this.options.cosignRemoteInvite;
      if (!cosign) throw new MatrixError(403, 'M_FORBIDDEN', 'Inviting users of other servers needs federation');
      const cosigned = await cosign(event);
      event = cosigned;
      outcome = await this.withRoomLock(roomId, () => authorizeAndPersist(this.storage, cosigned));
    }
    if (outcome.status !== 'accepted') throw new MatrixError(403, 'M_FORBIDDEN', outcome.reason ?? `event was ${outcome.status}`);
    this.options.onPersisted?.(event, outcome, 'local');
    return event;
  }

  /** An invite whose invitee lives on another server must be co-signed there before it is stored. */
  private isRemoteInvite(fields: LocalEventFields): boolean {
    if (fields.type !== 'm.room.member' || fields.content.membership !== 'invite' || fields.stateKey === undefined) return false;
    const server = parseUserId(fields.stateKey)?.serverName;
    return server !== undefined && server !== this.options.signer.serverName;
  }

  /** Creates a room as the client-server createRoom does; returns the room ID. */
  async createRoom(options: CreateRoomOptions): Promise<string> {
    const rv = getRoomVersion(options.roomVersion ?? DEFAULT_ROOM_VERSION);
    const creator = options.creator;
    const preset = options.preset ?? 'private_chat';
    const create = buildCreateEvent(this.options.signer, rv, creator, options.creationContent);
    const roomId = create.roomId;
    await this.withRoomLock(roomId, async () => {
      const outcome = await authorizeAndPersist(this.storage, create);
      if (outcome.status !== 'accepted') throw new MatrixError(400, 'M_INVALID_PARAM', `create event refused: ${outcome.reason}`);
    });
    this.options.onPersisted?.(create, { eventId: create.eventId, status: 'accepted' }, 'local');
    const send = (type: string, stateKeyValue: string, content: JsonObject) => this.sendLocalEvent(roomId, { type, sender: creator, stateKey: stateKeyValue, content });
    await send('m.room.member', creator, { membership: 'join' });
    await send('m.room.power_levels', '', initialPowerLevels(rv, creator, preset, options.invite ?? []));
    for (const state of presetState(preset)) await send(state.type, state.stateKey, state.content);
    for (const state of options.initialState ?? []) await send(state.type, state.stateKey, state.content);
    if (options.name !== undefined) await send('m.room.name', '', { name: options.name });
    if (options.topic !== undefined) await send('m.room.topic', '', { topic: options.topic });
    for (const invitee of options.invite ?? []) await send('m.room.member', invitee, { membership: 'invite' });
    return roomId;
  }

  /**
   * Joins `userId` (one of ours) to `roomId` (client-server API "Joining rooms"). While a user of ours
   * is joined we hold the room's current state and join with a local event; otherwise through other
   * servers (server-server API "Joining Rooms"): `via` first, then the server of a pending invite's
   * sender, then the room ID's server (rooms before v12 name one). A room nobody can get us into,
   * local or remote: 404 M_NOT_FOUND.
   */
  async joinRoom(roomId: string, userId: string, options: JoinRoomOptions = {}): Promise<JoinResult> {
    this.assertOurs(userId);
    const content: JsonObject = { ...options.content, ...reasonContent(options.reason), membership: 'join' };
    if (!this.participating(roomId)) {
      const invite = await this.options.pendingRemoteInvite?.(roomId, userId);
      const servers = joinServers(this.options.signer.serverName, roomId, options.via ?? [], invite?.sender);
      if (servers.length > 0) {
        const remote = this.options.remoteMembership;
        if (!remote) throw new MatrixError(404, 'M_NOT_FOUND', `Cannot join ${roomId}: joining over federation needs federation`);
        const { event, outcome, via } = await remote.join(roomId, userId, servers, content);
        return { roomId, event, outcome, via };
      }
    }
    // A room we hold only as outliers (an answered invite) has no graph to build a local join on.
    if (this.prevEventsFor(roomId, 1).length === 0) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}: name a server in the room with ?server_name=`);
    // Ours, or a room whose users of ours have all left: the auth rules decide.
    const event = await this.sendLocalEvent(roomId, { type: 'm.room.member', sender: userId, stateKey: userId, content });
    return { roomId, event, outcome: { eventId: event.eventId, status: 'accepted' } };
  }

  /**
   * Leaves `roomId` (client-server API "Leaving rooms"): with a leave event of our own while we are in
   * the room and the user is joined, invited or knocking; an invite from another server that we hold
   * only as an outlier is rejected through the inviter's server (server-server API "Leaving Rooms
   * (Rejecting Invites)"). Anything else: 403 M_FORBIDDEN.
   */
  async leaveRoom(roomId: string, userId: string, options: LeaveRoomOptions = {}): Promise<MembershipResult> {
    this.assertOurs(userId);
    const content: JsonObject = { ...reasonContent(options.reason), membership: 'leave' };
    if (this.participating(roomId) && LOCALLY_LEAVABLE.includes(this.membershipOf(roomId, userId))) {
      const event = await this.sendLocalEvent(roomId, { type: 'm.room.member', sender: userId, stateKey: userId, content });
      return { roomId, event };
    }
    const invite = await this.options.pendingRemoteInvite?.(roomId, userId);
    const inviter = invite ? parseUserId(invite.sender)?.serverName : undefined;
    if (!inviter) throw new MatrixError(403, 'M_FORBIDDEN', `${userId} is not in room ${roomId}`);
    const remote = this.options.remoteMembership;
    if (!remote) throw new MatrixError(403, 'M_FORBIDDEN', `Rejecting an invite from ${inviter} needs federation`);
    const { event, via } = await remote.leave(roomId, userId, [inviter], content);
    return { roomId, event, via };
  }

  /**
   * Keeps a membership event of a room whose state we do not hold as an outlier: another server's
   * invite of one of our users, or our leave sent through another server (which answers that invite).
   * It takes no place in the graph; storing it twice changes nothing.
   */
  storeOutlierMembership(event: RoomEvent): void {
    if (event.type !== 'm.room.member' || event.stateKey === undefined) throw new TypeError(`storeOutlierMembership: ${event.eventId} is not a membership event`);
    if (this.storage.getEvent(event.eventId)) return;
    this.storage.persistEvents([{ event, outlier: true }]);
    this.options.onOutlierMembership?.(event);
  }

  /** True when a user of ours is joined, so we hold the room's current state. */
  participating(roomId: string): boolean {
    return this.joinedServers(roomId).includes(this.options.signer.serverName);
  }

  /** The current membership of a user ('leave' when there is none). */
  membershipOf(roomId: string, userId: string): string {
    const id = this.currentStateEventId(roomId, 'm.room.member', userId);
    const membership = id ? this.storage.getEvent(id)?.event.content.membership : undefined;
    return typeof membership === 'string' ? membership : 'leave';
  }

  /** The event ID holding (type, state_key) in the current state, if any. */
  currentStateEventId(roomId: string, type: string, key: string): string | undefined {
    if (!this.storage.hasRoom(roomId)) return undefined;
    return this.storage.getCurrentState(roomId).get(stateKey(type, key));
  }

  /** Servers with at least one joined member in the current state (where our events must go). */
  joinedServers(roomId: string): string[] {
    if (!this.storage.hasRoom(roomId)) return [];
    return [...joinedServersIn(this.storage, this.storage.getCurrentState(roomId))].sort();
  }

  private assertOurs(userId: string): void {
    if (parseUserId(userId)?.serverName !== this.options.signer.serverName) {
      throw new MatrixError(400, 'M_INVALID_PARAM', `${userId} is not a user of ${this.options.signer.serverName}`);
    }
  }

  private assertAllowed(event: RoomEvent, stateBefore: StateMap): void {
    const verdict = checkAuthRules(event, authStateFrom(this.storage, event, stateBefore), event.roomVersion);
    if (!verdict.allowed) throw new MatrixError(403, 'M_FORBIDDEN', verdict.reason);
  }
}

function reasonContent(reason: string | undefined): JsonObject {
  return reason === undefined ? {} : { reason };
}
