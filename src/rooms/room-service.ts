// The room service: the one way events enter storage — remote events through the ingest pipeline,
// local ones built on the extremity table — serialised per room, and the room-level questions
// (membership, servers in the room) the APIs above ask.
import { checkAuthRules } from '../auth';
import { MatrixError } from '../protocol/errors';
import { parseUserId } from '../protocol/identifiers';
import { JsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { DEFAULT_ROOM_VERSION, getRoomVersion } from '../protocol/room-versions';
import { stateKey, StateMap } from '../state/state-map';
import { Storage } from '../storage';
import { IngestOutcome, authorizeAndPersist, authStateFrom } from './ingest-pipeline';
import { joinedServersIn } from './joined-servers';
import { KeyedMutex } from './keyed-mutex';
import { buildCreateEvent, buildLocalEvent, EventSigner, LocalEventFields, selectPrevEvents } from './local-event-builder';
import { persistOutliers } from './outlier-ingest';
import { assertAllOfRoom } from './room-membership-check';
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
  /** Called after every event that was stored in the graph (local or remote), outside the lock. */
  onPersisted?: (event: RoomEvent, outcome: IngestOutcome, origin: 'local' | 'remote') => void;
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

  private assertAllowed(event: RoomEvent, stateBefore: StateMap): void {
    const verdict = checkAuthRules(event, authStateFrom(this.storage, event, stateBefore), event.roomVersion);
    if (!verdict.allowed) throw new MatrixError(403, 'M_FORBIDDEN', verdict.reason);
  }
}
