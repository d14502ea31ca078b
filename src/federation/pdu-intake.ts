// Taking remote PDUs in: the per-PDU checks, then fetching what we lack from the server that sent
// them — auth events (/event_auth), missing prev events (/get_missing_events first, then /state_ids at
// whatever gap is left) — all before the room's lock and the storage transaction, then ingest. Every
// event taken in must be of the PDU's room, and the fetching stays within the transaction's budget.
// Every request goes through the typed FederationApi, which refuses answers of the wrong shape.
import type { Logger } from 'pino';
import type { KeyRing } from '../crypto/key-ring';
import { isJsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { IngestOutcome } from '../rooms/ingest-pipeline';
import { checkPdu } from '../crypto/pdu-checks';
import type { AsyncVerify } from '../crypto/verify-pool';
import type { RoomService } from '../rooms/room-service';
import { stateKey, StateMap } from '../protocol/state-map';
import type { Storage } from '../storage';
import { belongsToRoom, foreignEvents, foreignReason, foreignReferences, roomOf, RoomRef, storedForeignEvents } from '../rooms/room-membership-check';
import { FederationApi, type UncheckedPdu } from './client/federation-api';
import type { FederationClient } from './client/federation-client';
import { FederationRequestError } from './client/federation-request-error';
import { DEFAULT_FETCH_LIMITS, FetchBudget, FetchLimitError, FetchLimits } from './fetch-budget';

/** The outcome of steps 1–3 for one raw PDU. */
export type IntakeCheck = { ok: true; event: RoomEvent } | { ok: false; eventId: string | undefined; reason: string };

export type IntakeResult = IngestOutcome | { eventId: string | undefined; status: 'dropped'; reason: string };

export interface PduIntakeDeps {
  storage: Storage;
  rooms: RoomService;
  keyRing: KeyRing;
  /** The intake's requests go through a FederationApi over it. */
  client: Pick<FederationClient, 'requestJson'>;
  logger: Logger;
  /** What one transaction may make us fetch (fetch-budget.ts); defaults to DEFAULT_FETCH_LIMITS. */
  fetchLimits?: Partial<FetchLimits>;
  now?: () => number;
}

/** /get_missing_events returns at most this many; we ask for as many. */
const MISSING_EVENTS_LIMIT = 20;

/**
 * More than this share of a /state_ids answer missing makes one /state call cheaper than one /event
 * call per event (the heuristic Synapse uses too); so does more missing than the PDU's budget allows.
 */
const STATE_INSTEAD_OF_EVENTS_SHARE = 0.1;

/** An answer we will not build on: it named or carried an event of another room, or broke its shape. */
class UntrustworthyAnswer extends Error {}

/** A 2xx answer FederationApi refused for its shape: as untrustworthy as one that lied about the room. */
function isMalformedAnswer(error: unknown): error is FederationRequestError {
  return error instanceof FederationRequestError && error.kind === 'bad-response';
}

/**
 * An /event answer that carried no PDU at all (`pdus` empty or absent): the peer has nothing to give
 * for that ID, like a 404, rather than a lie; FederationApi.getEvent refuses it for not holding one PDU.
 */
function servedNoEvent(error: FederationRequestError): boolean {
  const pdus = isJsonObject(error.body) ? error.body.pdus : undefined;
  return pdus === undefined || (Array.isArray(pdus) && pdus.length === 0);
}

export class PduIntake {
  readonly fetchLimits: FetchLimits;
  private readonly api: FederationApi;

  constructor(private readonly deps: PduIntakeDeps) {
    this.fetchLimits = { ...DEFAULT_FETCH_LIMITS, ...deps.fetchLimits };
    this.api = new FederationApi(deps.client);
  }

  /** A budget for one transaction: every PDU processed with it shares its requests and deadline. */
  newBudget(): FetchBudget {
    return new FetchBudget(this.fetchLimits, this.deps.now);
  }

  /** Steps 1–3 for a raw PDU of a room we know; undefined room → dropped. `verify`: see checkPdu. */
  async check(raw: unknown, verify?: AsyncVerify): Promise<IntakeCheck> {
    const roomId = isJsonObject(raw) && typeof raw.room_id === 'string' ? raw.room_id : undefined;
    const version = roomId === undefined ? undefined : this.deps.storage.roomVersionOf(roomId);
    if (version === undefined) return { ok: false, eventId: undefined, reason: `unknown room ${String(roomId)}` };
    const checked = await checkPdu(raw, getRoomVersion(version), this.deps.keyRing.lookup, verify);
    if (!checked.ok) return { ok: false, eventId: checked.eventId, reason: checked.error.message };
    if (checked.redactedForHash) this.deps.logger.warn({ eventId: checked.event.eventId }, 'content hash mismatch: event redacted');
    return { ok: true, event: checked.event };
  }

  /**
   * The whole intake for one PDU that `origin` sent us. `budget` is the transaction's (a fresh one
   * when the PDU comes alone); when it runs out the PDU is dropped with the reason, and the caller
   * goes on with the next PDU.
   */
  async process(origin: string, raw: unknown, budget: FetchBudget = this.newBudget(), started?: Promise<IntakeCheck>): Promise<IntakeResult> {
    // `started`: this PDU's check(raw) begun earlier (a /send starts all of its PDUs' checks at once).
    const checked = await (started ?? this.check(raw));
    if (!checked.ok) return { eventId: checked.eventId, status: 'dropped', reason: checked.reason };
    budget.startPdu();
    try {
      return await this.processChecked(origin, checked.event, 0, budget);
    } catch (error) {
      if (!(error instanceof FetchLimitError)) throw error;
      this.deps.logger.warn({ origin, eventId: checked.event.eventId, limit: error.kind, reason: error.message }, 'PDU dropped: fetch limit reached');
      return { eventId: checked.event.eventId, status: 'dropped', reason: error.message };
    }
  }

  private async processChecked(origin: string, event: RoomEvent, level: number, budget: FetchBudget): Promise<IntakeResult> {
    const { storage } = this.deps;
    const existing = storage.getEvent(event.eventId);
    if (existing && !existing.outlier) return { eventId: event.eventId, status: 'duplicate' };
    // An event naming a stored event of another room as a parent or auth event never enters the
    // room, not even as rejected: its edges would join two rooms' graphs.
    const foreign = foreignReferences(storage, event);
    if (foreign.length > 0) {
      const reason = `cites an event of another room: ${foreignReason(foreign, roomOf(event))}`;
      this.deps.logger.warn({ origin, eventId: event.eventId, reason }, 'PDU dropped');
      return { eventId: event.eventId, status: 'dropped', reason };
    }
    await this.fetchMissingAuthEvents(origin, event, budget);
    const extraStateSets: StateMap[] = [];
    if (this.missingPrevs(event).length > 0 && level === 0) await this.fillGap(origin, event, budget);
    for (const prev of this.missingPrevs(event)) {
      const state = await this.stateAfterRemotePrev(origin, event.roomId, prev, event.roomVersion, budget);
      if (state) extraStateSets.push(state);
    }
    if (this.missingPrevs(event).length === event.prevEventIds.length && event.prevEventIds.length > 0 && extraStateSets.length === 0) {
      return { eventId: event.eventId, status: 'dropped', reason: 'none of its prev_events could be fetched' };
    }
    return this.deps.rooms.ingestRemoteEvent(event, extraStateSets);
  }

  private missingPrevs(event: RoomEvent): string[] {
    return event.prevEventIds.filter((id) => {
      const stored = this.deps.storage.getEvent(id);
      return !stored || stored.outlier;
    });
  }

  /** Auth events we lack come from /event_auth and are stored as outliers after their own checks. */
  private async fetchMissingAuthEvents(origin: string, event: RoomEvent, budget: FetchBudget): Promise<void> {
    const missing = event.authEventIds.filter((id) => !this.deps.storage.getEvent(id));
    if (missing.length === 0) return;
    try {
      const { auth_chain: chain } = await budget.request((timeoutMs) => this.api.getEventAuth(origin, event.roomId, event.eventId, { timeoutMs }));
      if (chain.length > budget.limits.maxAnswerEvents) throw new UntrustworthyAnswer(`auth_chain holds more than ${budget.limits.maxAnswerEvents} events`);
      this.storeOutliers(await this.checkAllOfRoom(chain, roomOf(event), event.roomVersion, '/event_auth'));
    } catch (error) {
      if (error instanceof FetchLimitError) throw error;
      this.deps.logger.warn({ origin, eventId: event.eventId, error: (error as Error).message }, 'could not fetch auth events');
    }
  }

  /**
   * Steps 1–3 on every PDU of one answer, under the room's version. Events that fail them are left
   * out (as before); one event of another room, or one citing a stored event of another room, makes
   * the whole answer untrustworthy.
   */
  private async checkAllOfRoom(raws: readonly unknown[], room: RoomRef, rv: RoomVersion, source: string): Promise<RoomEvent[]> {
    const events: RoomEvent[] = [];
    for (const raw of raws) {
      const checked = await checkPdu(raw, rv, this.deps.keyRing.lookup);
      if (!checked.ok) continue;
      const foreign = belongsToRoom(checked.event, room) ? foreignReferences(this.deps.storage, checked.event) : [checked.event];
      if (foreign.length > 0) throw new UntrustworthyAnswer(`${source} answer carries ${foreignReason(foreign, room)}`);
      events.push(checked.event);
    }
    return events;
  }

  /** Stores checked events as outliers (RoomService applies the same room check as the last line). */
  private storeOutliers(events: RoomEvent[]): void {
    if (events.length > 0) this.deps.rooms.ingestOutliers(events);
  }

  /**
   * /get_missing_events from our forward extremities to the event, then each returned event in
   * order (oldest first), each through the full intake without a further gap fill.
   */
  private async fillGap(origin: string, event: RoomEvent, budget: FetchBudget): Promise<void> {
    const earliest = this.deps.rooms.prevEventsFor(event.roomId, 20).map((e) => e.eventId);
    let checked: RoomEvent[];
    try {
      const request = { earliest_events: earliest, latest_events: [event.eventId], limit: MISSING_EVENTS_LIMIT, min_depth: 0 };
      const { events } = await budget.request((timeoutMs) => this.api.getMissingEvents(origin, event.roomId, request, { timeoutMs }));
      // More than the `limit` we asked for breaks the endpoint's contract (and would be ours to check).
      if (events.length > MISSING_EVENTS_LIMIT) throw new UntrustworthyAnswer(`events holds more than ${MISSING_EVENTS_LIMIT}`);
      checked = await this.checkAllOfRoom(events, roomOf(event), event.roomVersion, '/get_missing_events');
    } catch (error) {
      if (error instanceof FetchLimitError) throw error;
      this.deps.logger.warn({ origin, eventId: event.eventId, error: (error as Error).message }, 'get_missing_events failed');
      return;
    }
    checked.sort((a, b) => a.depth - b.depth || (a.eventId < b.eventId ? -1 : 1));
    for (const missing of checked) await this.processChecked(origin, missing, 1, budget);
  }

  /**
   * The state after a prev event we could not fetch in order: /state_ids before it, the events we
   * lack fetched as outliers, and the prev event itself added when it is a state event. The events
   * we lack come from one /state call when many are missing, else from /event calls (a few in
   * parallel). Any ID or event of another room in these answers, an /event answer that is not the
   * event asked for, or a state event we still lack afterwards, and no state set comes out of it at
   * all: a state taken in part would authorise against rules the room never had (server-server API
   * "GET /_matrix/federation/v1/state_ids/{roomId}" is the state of that room at that event).
   */
  private async stateAfterRemotePrev(origin: string, roomId: string, prevId: string, rv: RoomVersion, budget: FetchBudget): Promise<StateMap | undefined> {
    const room: RoomRef = { roomId, roomVersionId: rv.id };
    try {
      const { pdu_ids: pduIds, auth_chain_ids: authIds } = await budget.request((timeoutMs) => this.api.getStateIds(origin, roomId, prevId, { timeoutMs }));
      if (pduIds.length + authIds.length > budget.limits.maxAnswerEvents) {
        throw new UntrustworthyAnswer(`/state_ids answer names more than ${budget.limits.maxAnswerEvents} events`);
      }
      const named = new Set([...pduIds, ...authIds, prevId]);
      const heldForeign = storedForeignEvents(this.deps.storage, named, room);
      if (heldForeign.length > 0) throw new UntrustworthyAnswer(`/state_ids names ${foreignReason(heldForeign, room)}`);
      const wanted = [...named].filter((id) => !this.deps.storage.getEvent(id));
      await this.fetchEvents(origin, room, rv, prevId, wanted, named.size, budget);
      const state: StateMap = new Map();
      const storedState = this.deps.storage.getEvents(pduIds).map((s) => s.event);
      // A state missing events it names would authorise against the wrong rules: none rather than part.
      if (storedState.length < new Set(pduIds).size) throw new Error(`${new Set(pduIds).size - storedState.length} of the ${new Set(pduIds).size} state events named could not be fetched`);
      // What we fetched was checked; what we already held is checked again here, by ID.
      const foreign = foreignEvents(storedState, room);
      if (foreign.length > 0) throw new UntrustworthyAnswer(`/state_ids names ${foreignReason(foreign, room)}`);
      for (const event of storedState) {
        if (event.stateKey !== undefined) state.set(stateKey(event.type, event.stateKey), event.eventId);
      }
      const prev = this.deps.storage.getEvent(prevId);
      if (prev && belongsToRoom(prev.event, room) && prev.event.stateKey !== undefined && prev.rejectedReason === undefined) {
        state.set(stateKey(prev.event.type, prev.event.stateKey), prevId);
      }
      return state;
    } catch (error) {
      if (error instanceof FetchLimitError) throw error;
      const untrusted = error instanceof UntrustworthyAnswer || isMalformedAnswer(error);
      this.deps.logger.warn({ origin, prevId, untrusted, error: (error as Error).message }, untrusted ? 'untrustworthy state answer: no state taken from it' : 'could not learn the state at a missing prev event');
      return undefined;
    }
  }

  /**
   * Fetches `wanted` (of `named` IDs in a /state_ids answer) and stores them as outliers: one /state
   * call (pdus + auth_chain) when many are missing, with the prev event itself from /event (/state
   * gives the state before it, without it); else one /event call each.
   */
  private async fetchEvents(origin: string, room: RoomRef, rv: RoomVersion, prevId: string, wanted: string[], named: number, budget: FetchBudget): Promise<void> {
    if (wanted.length === 0) return;
    const useState = wanted.length > named * STATE_INSTEAD_OF_EVENTS_SHARE || wanted.length > budget.requestsLeft();
    if (!useState) {
      const fetched = await budget.mapConcurrently(wanted, (id) =>
        // An event the peer cannot serve is left out, as before; a lie or the budget ends it all.
        this.fetchOne(origin, room, rv, id, budget).catch((error: unknown) => {
          if (error instanceof FetchLimitError || error instanceof UntrustworthyAnswer) throw error;
          this.deps.logger.warn({ origin, eventId: id, error: (error as Error).message }, 'could not fetch a state event');
          return [];
        }),
      );
      this.storeOutliers(fetched.flat());
      return;
    }
    const { pdus, auth_chain: chain } = await budget.request((timeoutMs) => this.api.getState(origin, room.roomId, prevId, { timeoutMs }));
    if (pdus.length + chain.length > budget.limits.maxAnswerEvents) {
      throw new UntrustworthyAnswer(`/state answer holds more than ${budget.limits.maxAnswerEvents} events`);
    }
    const events = await this.checkAllOfRoom([...pdus, ...chain], room, rv, '/state');
    const wantedSet = new Set(wanted);
    const fetched = events.filter((e) => wantedSet.has(e.eventId));
    if (!this.deps.storage.getEvent(prevId) && !fetched.some((e) => e.eventId === prevId)) fetched.push(...(await this.fetchOne(origin, room, rv, prevId, budget)));
    this.storeOutliers(fetched);
  }

  /**
   * GET /event/{id}: the one event asked for, of the room, or the answer is untrustworthy; an answer
   * with no PDU gives nothing (none when that PDU fails its checks either).
   */
  private async fetchOne(origin: string, room: RoomRef, rv: RoomVersion, id: string, budget: FetchBudget): Promise<RoomEvent[]> {
    let pdus: UncheckedPdu[];
    try {
      ({ pdus } = await budget.request((timeoutMs) => this.api.getEvent(origin, id, { timeoutMs })));
    } catch (error) {
      if (!isMalformedAnswer(error)) throw error;
      if (servedNoEvent(error)) return [];
      throw new UntrustworthyAnswer(`/event/${id}: ${error.message}`);
    }
    const events = await this.checkAllOfRoom(pdus, room, rv, `/event/${id}`);
    if (events.some((e) => e.eventId !== id)) throw new UntrustworthyAnswer(`/event/${id} answered another event, ${events[0]!.eventId}`);
    return events;
  }
}

/** The /send per-PDU result: `{}` when processed, `{error}` when dropped or rejected. */
export function sendResultFor(result: IntakeResult): Record<string, string> {
  if (result.status === 'dropped' || result.status === 'rejected') return { error: result.reason ?? result.status };
  return {};
}
