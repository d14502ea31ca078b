// Recover a room after data loss (MSC4370's second use): knowing only the room ID and servers in it,
// learn our own old signing key back from them (notary key query), take their /extremities, the state
// and auth chains there, then walk backwards (/backfill) down to a depth or to the create event and
// store the walked events as part of the graph, oldest first, so that our extremities equal theirs.
import type { Logger } from 'pino';
import type { KeyRing } from '../../crypto/key-ring';
import { MatrixError } from '../../protocol/errors';
import { parseRoomId } from '../../protocol/identifiers';
import type { JsonObject } from '../../protocol/json';
import { RoomEvent } from '../../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../../protocol/room-versions';
import { checkPdu } from '../../crypto/pdu-checks';
import type { RoomService } from '../../rooms/room-service';
import { stateKey, StateMap } from '../../protocol/state-map';
import type { Storage } from '../../storage';
import type { FederationApi } from '../client/federation-api';
import { FederationRequestError } from '../client/federation-request-error';

export interface RecoverOptions {
  /** Servers in the room to recover from, asked in this order. */
  via: readonly string[];
  /** How far below the deepest extremity to walk (in depth); default: down to the create event. */
  depth?: number;
  onProgress?: (progress: RecoverProgress) => void;
}

export interface RecoverProgress {
  phase: 'keys' | 'extremities' | 'state' | 'walk' | 'store' | 'done';
  eventsFetched: number;
  /** The smallest depth reached so far. */
  depthReached: number | undefined;
  message: string;
}

export interface RecoverResult {
  roomId: string;
  roomVersion: string;
  /** Our own keys learnt back from the notaries. */
  ownKeysLearnt: string[];
  eventsFetched: number;
  eventsStored: number;
  depthReached: number;
  reachedCreate: boolean;
  /** Our forward extremities afterwards, and the union of the via servers' answers. */
  extremities: string[];
  theirExtremities: string[];
}

export interface RecoverDeps {
  serverName: string;
  storage: Storage;
  rooms: Pick<RoomService, 'ingestRemoteEvent' | 'ingestOutliers'>;
  api: Pick<FederationApi, 'queryKeys' | 'getExtremities' | 'getStateIds' | 'getState' | 'getEvent' | 'backfill' | 'getEventAuth'>;
  keyRing: Pick<KeyRing, 'accept' | 'lookup'>;
  logger: Logger;
}

/** /backfill page size (the endpoint's usual cap) and starting points per request (the query string stays short). */
const BACKFILL_LIMIT = 100;
const BACKFILL_FROM_AT_MOST = 20;
/** A hostile or huge room cannot make a recovery hold unbounded memory. */
const MAX_EVENTS = 200_000;
const TIMEOUT_MS = 60_000;
const KEY_PATIENCE_MS = 30_000;

export async function recoverRoom(deps: RecoverDeps, roomId: string, options: RecoverOptions): Promise<RecoverResult> {
  const { api, storage, logger } = deps;
  if (!parseRoomId(roomId)) throw new MatrixError(400, 'M_INVALID_PARAM', `${JSON.stringify(roomId)} is not a room ID`);
  const via = [...new Set(options.via)].filter((s) => s !== deps.serverName);
  if (via.length === 0) throw new MatrixError(400, 'M_INVALID_PARAM', 'recover needs at least one other server in the room (via)');
  const call = { timeoutMs: TIMEOUT_MS };
  let fetchedCount = 0;
  let depthReached: number | undefined;
  const progress = (phase: RecoverProgress['phase'], message: string) => options.onProgress?.({ phase, eventsFetched: fetchedCount, depthReached, message });

  // 1. Our own old keys, before any signed request of ours reaches them: a notary that verifies our new
  //    key fetches it from us, and then serves that instead of the old answer it had cached.
  const ownKeysLearnt: string[] = [];
  for (const notary of via) {
    try {
      const { server_keys: answers } = await api.queryKeys(notary, { [deps.serverName]: {} }, call);
      for (const raw of answers.filter((k) => k.server_name === deps.serverName)) {
        const record = await deps.keyRing.accept(deps.serverName, raw);
        for (const id of [...Object.keys(record.verifyKeys), ...Object.keys(record.oldVerifyKeys)]) if (!ownKeysLearnt.includes(id)) ownKeysLearnt.push(id);
      }
    } catch (error) {
      logger.warn({ notary, error: (error as Error).message }, 'recover: notary key query failed');
    }
  }
  progress('keys', `learnt ${ownKeysLearnt.length} key(s) of ${deps.serverName} back: ${ownKeysLearnt.join(', ') || 'none'}`);

  // 2. Their forward extremities (MSC4370), remembering who named which.
  const namedBy = new Map<string, string>();
  for (const server of via) {
    try {
      const theirs = await patientWithOurNewKey(() => api.getExtremities(server, roomId, call), () => progress('extremities', `${server} does not know our new key yet; asking again`));
      for (const id of theirs) if (!namedBy.has(id)) namedBy.set(id, server);
    } catch (error) {
      logger.warn({ server, error: (error as Error).message }, 'recover: /extremities failed');
    }
  }
  if (namedBy.size === 0) throw new MatrixError(502, 'M_UNKNOWN', `none of ${via.join(', ')} answered /extremities for ${roomId}`);
  const tips = [...namedBy.keys()];
  progress('extremities', `${tips.length} extremities from ${[...new Set(namedBy.values())].join(', ')}`);

  // 3. The state and auth chain at each extremity (/state_ids, the bodies through /state), stored as
  //    outliers; the create event among them gives the room version.
  let rv: RoomVersion | undefined = versionOf(storage, roomId);
  const stateAt = new Map<string, JsonObject[]>();
  for (const tip of tips) {
    const server = namedBy.get(tip)!;
    const ids = await api.getStateIds(server, roomId, tip, call);
    const missing = [...ids.pdu_ids, ...ids.auth_chain_ids].filter((id) => !storage.getEvent(id));
    if (missing.length === 0 && rv) continue;
    const answer = await api.getState(server, roomId, tip, call);
    stateAt.set(tip, [...answer.pdus, ...answer.auth_chain]);
    rv ??= versionFromCreate([...answer.pdus, ...answer.auth_chain], roomId);
  }
  if (!rv) throw new MatrixError(502, 'M_UNKNOWN', `no create event for ${roomId} in the state answers`);
  const roomVersion: RoomVersion = rv;
  const check = async (raws: readonly unknown[]): Promise<RoomEvent[]> => {
    const out: RoomEvent[] = [];
    for (const raw of raws) {
      const checked = await checkPdu(raw, roomVersion, deps.keyRing.lookup);
      if (!checked.ok) {
        logger.warn({ eventId: checked.eventId, reason: checked.error.message }, 'recover: event failed its checks; left out');
        continue;
      }
      // Every event taken into a room belongs to that room (DESIGN §5): anything else ends the recovery.
      if (checked.event.roomId !== roomId) throw new MatrixError(502, 'M_UNKNOWN', `an answer carried ${checked.event.eventId} of another room`);
      out.push(checked.event);
    }
    return out;
  };
  for (const raws of stateAt.values()) {
    const events = await check(raws);
    fetchedCount += events.length;
    if (events.length > 0) deps.rooms.ingestOutliers(events);
  }
  progress('state', `state and auth chains at ${tips.length} extremities stored`);

  // 4. Walk backwards with /backfill from the extremities down to the cut-off depth or the create event.
  const fetched = new Map<string, RoomEvent>();
  const tipEvents = await fetchEvents(deps, namedBy, tips, check);
  for (const e of tipEvents) fetched.set(e.eventId, e);
  const deepest = Math.max(...tipEvents.map((e) => e.depth));
  const floor = options.depth === undefined ? -Infinity : deepest - options.depth;
  const inGraph = (id: string) => storage.getEvent(id)?.outlier === false;
  const unreachable = new Set<string>();
  const frontier = () => {
    const wanted = new Set<string>();
    for (const e of fetched.values()) {
      if (e.depth <= floor) continue;
      for (const p of e.prevEventIds) if (!fetched.has(p) && !inGraph(p) && !unreachable.has(p)) wanted.add(p);
    }
    return [...wanted];
  };
  for (let next = frontier(); next.length > 0; next = frontier()) {
    const from = next.slice(0, BACKFILL_FROM_AT_MOST);
    let added = 0;
    for (const server of via) {
      let pdus: JsonObject[];
      try {
        ({ pdus } = await api.backfill(server, roomId, from, BACKFILL_LIMIT, call));
      } catch (error) {
        logger.warn({ server, error: (error as Error).message }, 'recover: /backfill failed');
        continue;
      }
      for (const event of await check(pdus)) {
        if (fetched.has(event.eventId) || event.depth < floor) continue;
        fetched.set(event.eventId, event);
        depthReached = Math.min(depthReached ?? event.depth, event.depth);
        added++;
      }
      if (added > 0) break;
    }
    // What no server serves (a rejected event, say) is left behind: its children start the graph.
    if (added === 0) for (const id of from) unreachable.add(id);
    fetchedCount += added;
    if (fetched.size > MAX_EVENTS) throw new MatrixError(502, 'M_UNKNOWN', `more than ${MAX_EVENTS} events: recover with a --depth`);
    progress('walk', `fetched ${fetchedCount} events, depth reached ${depthReached ?? deepest}`);
  }

  // 5. Store oldest first, so that each event's parents are in the graph and its state is computed
  //    as for any event; where the walk stopped (the cut-off, or what nobody served), the state
  //    before an event comes from the servers (/state), resolved like a missing prev's state.
  //
  //     cut-off ─ ─ ─ ─ ─ ─ ─ ─        B1, B2: boundary events, state from /state at them
  //        B1 ──► C ──► T1 (tip)       C, T1, T2: state computed from their stored parents
  //        B2 ───────► T2 (tip)
  let stored = 0;
  await storage.groupCommit(async () => {
    for (const event of topologicalOrder([...fetched.values()])) {
      if (inGraph(event.eventId)) continue;
      const stateSets: StateMap[] = [];
      const missing = event.prevEventIds.filter((p) => !inGraph(p));
      if (missing.length > 0 && event.type !== 'm.room.create') {
        const server = namedBy.get(event.eventId) ?? via[0]!;
        const answer = await api.getState(server, roomId, event.eventId, call);
        const events = await check([...answer.pdus, ...answer.auth_chain]);
        deps.rooms.ingestOutliers(events);
        const state: StateMap = new Map();
        for (const e of await check(answer.pdus)) if (e.stateKey !== undefined) state.set(stateKey(e.type, e.stateKey), e.eventId);
        stateSets.push(state);
      }
      const lacking = event.authEventIds.filter((id) => !storage.getEvent(id));
      if (lacking.length > 0) {
        const { auth_chain: chain } = await api.getEventAuth(namedBy.get(event.eventId) ?? via[0]!, roomId, event.eventId, call);
        deps.rooms.ingestOutliers(await check(chain));
      }
      const outcome = await deps.rooms.ingestRemoteEvent(event, stateSets);
      if (outcome.status !== 'duplicate') stored++;
      if (outcome.status === 'rejected') logger.warn({ eventId: event.eventId, reason: outcome.reason }, 'recover: an event was rejected');
      if (stored % 100 === 0) progress('store', `stored ${stored} of ${fetched.size} events`);
    }
  });

  const extremities = storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();
  const reachedCreate = [...fetched.values()].some((e) => e.type === 'm.room.create') || storage.getEvent(createIdOf(storage, roomId) ?? '')?.outlier === false;
  const result: RecoverResult = {
    roomId,
    roomVersion: roomVersion.id,
    ownKeysLearnt,
    eventsFetched: fetchedCount,
    eventsStored: stored,
    depthReached: depthReached ?? deepest,
    reachedCreate,
    extremities,
    theirExtremities: [...tips].sort(),
  };
  progress('done', `stored ${stored} events; ${extremities.length} forward extremities (${sameSet(extremities, tips) ? 'equal to' : 'differing from'} theirs)`);
  logger.info({ roomId, eventsFetched: fetchedCount, eventsStored: stored, depthReached: result.depthReached, via }, 'recovered a room');
  return result;
}

/** The result as the admin API and `dagmar recover` print it. */
export function recoverResultJson(result: RecoverResult): Record<string, unknown> {
  return {
    room_id: result.roomId,
    room_version: result.roomVersion,
    events_fetched: result.eventsFetched,
    events_stored: result.eventsStored,
    depth_reached: result.depthReached,
    reached_create: result.reachedCreate,
    own_keys_learnt: result.ownKeysLearnt,
    forward_extremities: result.extremities,
    their_extremities: result.theirExtremities,
  };
}

/**
 * Our first signed request after a data loss carries a key ID the other server has never seen; it
 * fetches our keys, but at most once per cooldown (key-ring.ts: 10 s here; Synapse has its own), so
 * a 401 M_UNAUTHORIZED is retried for a while before it counts.
 */
async function patientWithOurNewKey<T>(request: () => Promise<T>, onRetry: () => void): Promise<T> {
  const deadline = Date.now() + KEY_PATIENCE_MS;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      const unauthorized = error instanceof FederationRequestError && error.kind === 'http' && error.status === 401;
      if (!unauthorized || Date.now() > deadline) throw error;
      onRetry();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The extremities themselves, from the servers that named them (/event). */
async function fetchEvents(deps: RecoverDeps, namedBy: Map<string, string>, ids: string[], check: (raws: readonly unknown[]) => Promise<RoomEvent[]>): Promise<RoomEvent[]> {
  const out: RoomEvent[] = [];
  for (const id of ids) {
    const { pdus } = await deps.api.getEvent(namedBy.get(id)!, id, { timeoutMs: TIMEOUT_MS });
    const events = (await check(pdus)).filter((e) => e.eventId === id);
    if (events.length === 0) throw new MatrixError(502, 'M_UNKNOWN', `${namedBy.get(id)} did not serve its extremity ${id}`);
    out.push(events[0]!);
  }
  return out;
}

/** Parents before children (Kahn's algorithm over prev edges inside the set); ties by depth, then ID. */
function topologicalOrder(events: RoomEvent[]): RoomEvent[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const e of events) {
    const inside = [...new Set(e.prevEventIds)].filter((p) => byId.has(p));
    waiting.set(e.eventId, inside.length);
    for (const p of inside) children.set(p, [...(children.get(p) ?? []), e.eventId]);
  }
  const order = (a: RoomEvent, b: RoomEvent) => a.depth - b.depth || (a.eventId < b.eventId ? -1 : 1);
  const ready = events.filter((e) => waiting.get(e.eventId) === 0).sort(order);
  const out: RoomEvent[] = [];
  while (ready.length > 0) {
    const next = ready.shift()!;
    out.push(next);
    for (const c of children.get(next.eventId) ?? []) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) {
        ready.push(byId.get(c)!);
        ready.sort(order);
      }
    }
  }
  return out;
}

function versionOf(storage: Storage, roomId: string): RoomVersion | undefined {
  const id = storage.roomVersionOf(roomId);
  return id === undefined ? undefined : getRoomVersion(id);
}

/** The room version from the room's create event in an answer (`room_version`, default "1"). */
function versionFromCreate(raws: JsonObject[], roomId: string): RoomVersion | undefined {
  const create = raws.find((r) => r.type === 'm.room.create' && r.state_key === '');
  if (!create) return undefined;
  const content = create.content as JsonObject | undefined;
  const id = typeof content?.room_version === 'string' ? content.room_version : '1';
  const rv = getRoomVersion(id);
  // Before v12 the create event carries the room ID; v12 room IDs are derived from it and checked on ingest.
  if (create.room_id !== undefined && create.room_id !== roomId) throw new MatrixError(502, 'M_UNKNOWN', 'the create event in the answer is of another room');
  return rv;
}

function createIdOf(storage: Storage, roomId: string): string | undefined {
  return storage.hasRoom(roomId) ? storage.getCurrentState(roomId).get(stateKey('m.room.create', '')) : undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set([...a, ...b]).size === a.length;
}
