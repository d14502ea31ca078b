// Taking remote PDUs in: the per-PDU checks, then fetching what we lack from the server that sent
// them — auth events (/event_auth), missing prev events (/get_missing_events first, then /state_ids at
// whatever gap is left) — all before the room's lock and the storage transaction, then ingest.
import type { Logger } from 'pino';
import type { KeyRing } from '../crypto/key-ring';
import { isJsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { IngestOutcome } from '../rooms/ingest-pipeline';
import { checkPdu } from '../rooms/pdu-checks';
import type { RoomService } from '../rooms/room-service';
import { stateKey, StateMap } from '../state/state-map';
import type { Storage } from '../storage';
import type { FederationClient } from './client/federation-client';

export type IntakeResult = IngestOutcome | { eventId: string | undefined; status: 'dropped'; reason: string };

export interface PduIntakeDeps {
  storage: Storage;
  rooms: RoomService;
  keyRing: KeyRing;
  client: FederationClient;
  logger: Logger;
}

/** /get_missing_events returns at most this many; we ask for as many. */
const MISSING_EVENTS_LIMIT = 20;

function enc(part: string): string {
  return encodeURIComponent(part);
}

export class PduIntake {
  constructor(private readonly deps: PduIntakeDeps) {}

  /** Steps 1–3 for a raw PDU of a room we know; undefined room → dropped. */
  async check(raw: unknown): Promise<{ ok: true; event: RoomEvent } | { ok: false; eventId: string | undefined; reason: string }> {
    const roomId = isJsonObject(raw) && typeof raw.room_id === 'string' ? raw.room_id : undefined;
    const version = roomId === undefined ? undefined : this.deps.storage.roomVersionOf(roomId);
    if (version === undefined) return { ok: false, eventId: undefined, reason: `unknown room ${String(roomId)}` };
    const checked = await checkPdu(raw, getRoomVersion(version), this.deps.keyRing.lookup);
    if (!checked.ok) return { ok: false, eventId: checked.eventId, reason: checked.error.message };
    if (checked.redactedForHash) this.deps.logger.warn({ eventId: checked.event.eventId }, 'content hash mismatch: event redacted');
    return { ok: true, event: checked.event };
  }

  /** The whole intake for one PDU that `origin` sent us. */
  async process(origin: string, raw: unknown): Promise<IntakeResult> {
    const checked = await this.check(raw);
    if (!checked.ok) return { eventId: checked.eventId, status: 'dropped', reason: checked.reason };
    return this.processChecked(origin, checked.event, 0);
  }

  private async processChecked(origin: string, event: RoomEvent, level: number): Promise<IntakeResult> {
    const { storage } = this.deps;
    const existing = storage.getEvent(event.eventId);
    if (existing && !existing.outlier) return { eventId: event.eventId, status: 'duplicate' };
    await this.fetchMissingAuthEvents(origin, event);
    const extraStateSets: StateMap[] = [];
    if (this.missingPrevs(event).length > 0 && level === 0) await this.fillGap(origin, event);
    for (const prev of this.missingPrevs(event)) {
      const state = await this.stateAfterRemotePrev(origin, event.roomId, prev, event.roomVersion);
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
  private async fetchMissingAuthEvents(origin: string, event: RoomEvent): Promise<void> {
    const missing = event.authEventIds.filter((id) => !this.deps.storage.getEvent(id));
    if (missing.length === 0) return;
    try {
      const answer = await this.deps.client.requestJson<{ auth_chain?: unknown[] }>(origin, 'GET', `/_matrix/federation/v1/event_auth/${enc(event.roomId)}/${enc(event.eventId)}`);
      await this.storeOutliers(answer.auth_chain ?? [], event.roomVersion);
    } catch (error) {
      this.deps.logger.warn({ origin, eventId: event.eventId, error: (error as Error).message }, 'could not fetch auth events');
    }
  }

  /** Checks fetched PDUs (steps 1–3) and stores the good ones as outliers. */
  private async storeOutliers(raws: unknown[], rv: RoomVersion): Promise<RoomEvent[]> {
    const events: RoomEvent[] = [];
    for (const raw of raws) {
      const checked = await checkPdu(raw, rv, this.deps.keyRing.lookup);
      if (checked.ok) events.push(checked.event);
    }
    this.deps.rooms.ingestOutliers(events);
    return events;
  }

  /**
   * /get_missing_events from our forward extremities to the event, then each returned event in
   * order (oldest first), each through the full intake without a further gap fill.
   */
  private async fillGap(origin: string, event: RoomEvent): Promise<void> {
    const earliest = this.deps.rooms.prevEventsFor(event.roomId, 20).map((e) => e.eventId);
    let events: unknown[] = [];
    try {
      const answer = await this.deps.client.requestJson<{ events?: unknown[] }>(origin, 'POST', `/_matrix/federation/v1/get_missing_events/${enc(event.roomId)}`, {
        body: { earliest_events: earliest, latest_events: [event.eventId], limit: MISSING_EVENTS_LIMIT, min_depth: 0 },
      });
      events = answer.events ?? [];
    } catch (error) {
      this.deps.logger.warn({ origin, eventId: event.eventId, error: (error as Error).message }, 'get_missing_events failed');
      return;
    }
    const checked: RoomEvent[] = [];
    for (const raw of events) {
      const result = await checkPdu(raw, event.roomVersion, this.deps.keyRing.lookup);
      if (result.ok) checked.push(result.event);
    }
    checked.sort((a, b) => a.depth - b.depth || (a.eventId < b.eventId ? -1 : 1));
    for (const missing of checked) await this.processChecked(origin, missing, 1);
  }

  /**
   * The state after a prev event we could not fetch in order: /state_ids before it, the events we
   * lack fetched (/event) as outliers, and the prev event itself added when it is a state event.
   */
  private async stateAfterRemotePrev(origin: string, roomId: string, prevId: string, rv: RoomVersion): Promise<StateMap | undefined> {
    try {
      const ids = await this.deps.client.requestJson<{ pdu_ids?: string[]; auth_chain_ids?: string[] }>(
        origin,
        'GET',
        `/_matrix/federation/v1/state_ids/${enc(roomId)}`,
        { query: { event_id: prevId } },
      );
      const wanted = [...(ids.pdu_ids ?? []), ...(ids.auth_chain_ids ?? []), prevId].filter((id) => !this.deps.storage.getEvent(id));
      const fetched: unknown[] = [];
      for (const id of new Set(wanted)) {
        const answer = await this.deps.client.requestJson<{ pdus?: unknown[] }>(origin, 'GET', `/_matrix/federation/v1/event/${enc(id)}`);
        fetched.push(...(answer.pdus ?? []));
      }
      await this.storeOutliers(fetched, rv);
      const state: StateMap = new Map();
      for (const stored of this.deps.storage.getEvents(ids.pdu_ids ?? [])) {
        if (stored.event.stateKey !== undefined) state.set(stateKey(stored.event.type, stored.event.stateKey), stored.event.eventId);
      }
      const prev = this.deps.storage.getEvent(prevId);
      if (prev && prev.event.stateKey !== undefined && prev.rejectedReason === undefined) state.set(stateKey(prev.event.type, prev.event.stateKey), prevId);
      return state;
    } catch (error) {
      this.deps.logger.warn({ origin, prevId, error: (error as Error).message }, 'could not learn the state at a missing prev event');
      return undefined;
    }
  }
}

/** The /send per-PDU result: `{}` when processed, `{error}` when dropped or rejected. */
export function sendResultFor(result: IntakeResult): Record<string, string> {
  if (result.status === 'dropped' || result.status === 'rejected') return { error: result.reason ?? result.status };
  return {};
}
