// openStorage(): the event-graph storage — one SQLite file, synchronous reads and THE persist transaction.
import Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, existsSync, fsyncSync, openSync } from 'node:fs';
import { Kysely } from 'kysely';
import type { Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { stateKey, StateMap } from '../protocol/state-map';
import type { DatabaseSchema } from './database-schema';
import type { EventRow } from './events-repository';
import type { ForwardExtremity } from './extremities-repository';
import { authChain, backfillEvents, missingEvents } from './graph-walks';
import type { ExtremityPlan } from './extremity-plan';
import { planStoredExtremities } from './extremity-update';
import { applyMigrations, loadMigrations, Migration } from './migrations';
import { GraphEdge, GraphEventRow, RoomGraphQueries, RoomSummary } from './room-graph-queries';
import type { Durability, SqlConnection, SqlDialect } from './sql-dialect';
import { wipeAllButIdentity } from './wipe-data';
import { sqliteDialect } from './sqlite-dialect';
import { NotFoundInStorage } from './storage-errors';
import type { TimelineDirection, TimelinePosition } from './timeline-position';
import { TIMELINE_END_KEY, TIMELINE_START_KEY, TimelineKey, TimelineRepository } from './timeline-repository';
import { persistEvents, PersistItem, PersistOptions, PersistResult } from './persist-events';
import type { LightCacheRepository } from './light-cache-repository';
import { Repositories } from './repositories';
import type { ServerKeysRepository } from './server-keys-repository';
import type { SigningKeysRepository } from './signing-keys-repository';
import type { TransactionsRepository } from './transactions-repository';
import type { OutboundQueueRepository } from './outbound-queue-repository';
import type { UsersRepository } from './users-repository';
import type { AccessTokensRepository } from './access-tokens-repository';
import type { ClientTxnsRepository } from './client-txns-repository';
import type { StreamEvent } from './event-stream-repository';
import type { ClientFiltersRepository } from './client-filters-repository';
import type { RoomAliasesRepository } from './room-aliases-repository';
import type { AccountDataRepository } from './account-data-repository';
import type { ReceiptsRepository } from './receipts-repository';
import type { ProfilesRepository } from './profiles-repository';
import { verifyRoom, VerifyResult } from './verify-room';
import { ReadCache } from './read-cache';
import { freezeOwnStateMap, freezeStateMap } from './frozen-state-map';

/** A stored event with what we know about it. */
export interface StoredEvent {
  event: RoomEvent;
  outlier: boolean;
  rejectedReason: string | undefined;
  softFailed: boolean;
  receivedTs: number;
}

export interface OpenStorageOptions {
  /** Migrations to apply instead of schema/*.sql (tests of the migration runner). */
  migrations?: Migration[];
  /**
   * 'every-commit' (default): each transaction is on disk when it returns (synchronous=FULL).
   * 'on-flush': group commit — transactions are written but not synced by SQLite
   * (synchronous=NORMAL, still crash-consistent); flush() makes all of them durable with one fsync
   * of the WAL. persistEvents flushes on its own unless inside groupCommit() (a /send syncs its 50
   * PDUs once); other writes are flushed by whoever acknowledges them (the homeserver: once per
   * HTTP response, durable-responses.ts).
   */
  durability?: Durability;
  /** Keep parsed events and states in memory (default true); false measures storage's own cost. */
  cacheReads?: boolean;
  /** The clock rows are stamped with (received_ts, created_ts, …); default Date.now. */
  now?: () => number;
}

/** One room's stored graph: events with their flags and both kinds of edges (outliers included). */
export interface RoomGraph {
  roomVersion: string;
  /** Depth ascending, then event ID. */
  events: GraphEventRow[];
  /** Sorted by child, then parent. */
  prevEdges: GraphEdge[];
  authEdges: GraphEdge[];
}

export interface StorageOptions {
  /** The WAL file flush() syncs (group commit); omitted when every commit syncs itself. */
  walPath?: string;
  cacheReads?: boolean;
  /** The clock storage stamps rows with (openStorage's default is Date.now: the one place it is chosen). */
  now: () => number;
  /** Default SQLite, the one dialect there is (sql-dialect.ts). */
  dialect?: SqlDialect;
}

/** Parsed events kept per cache generation (at most twice this many): a few MiB for typical events. */
const EVENT_CACHE_CAPACITY = 4096;
/** State entries kept per generation, over all cached snapshots and current states (~100 bytes each). */
const STATE_CACHE_CAPACITY = 200_000;

/** A stored event with the state snapshots its row points at (for getStateBefore/After). */
interface CachedEvent {
  stored: StoredEvent;
  stateBeforeNid: number | null;
  stateAfterNid: number | null;
}

export class Storage {
  // The connection is storage's own (DESIGN §1: the only folder that knows SQL); layers above use methods.
  readonly #db: SqlConnection;
  readonly #dialect: SqlDialect;
  private readonly repos: Repositories;
  private readonly graphQueries: RoomGraphQueries;
  private readonly timelineRows: TimelineRepository;
  /**
   * A room's nid and version never change once its row is committed (rooms are never deleted), so
   * they are cached: nearly every read starts from one of them. Rows read inside a transaction are
   * not cached, since it may still roll back.
   */
  private readonly roomsById = new Map<string, { nid: number; version: string }>();
  // Read caches (read-cache.ts), filled only outside transactions so that nothing rolled back is kept.
  // Events change only through persistEvents, which forgets them; snapshots never change once
  // committed; a room's current state changes only through persistEvents, which forgets it when
  // the transaction wrote it (rolled back or not).
  private readonly events: ReadCache<string, CachedEvent>;
  private readonly snapshots: ReadCache<number, StateMap>;
  private readonly currentStates: ReadCache<number, StateMap>;
  private readonly versionsByNid = new Map<number, string>();

  /** The WAL file flush() syncs (group commit); undefined when every commit syncs itself. */
  private readonly walPath: string | undefined;
  private walFd: number | undefined;
  /** Set within groupCommit(): persists there leave syncing to its end. */
  private readonly commitGroup = new AsyncLocalStorage<true>();

  /** Over a connection already configured and migrated (openStorage does both). */
  constructor(db: SqlConnection, options: StorageOptions) {
    this.#db = db;
    this.#dialect = options.dialect ?? sqliteDialect;
    this.walPath = options.walPath;
    const on = options.cacheReads !== false; // a capacity of 0 keeps nothing
    this.events = new ReadCache(on ? EVENT_CACHE_CAPACITY : 0);
    this.snapshots = new ReadCache(on ? STATE_CACHE_CAPACITY : 0, (state) => state.size + 1);
    this.currentStates = new ReadCache(on ? STATE_CACHE_CAPACITY : 0, (state) => state.size + 1);
    // Kysely only compiles the repositories' queries (prepared.ts); it never runs one itself.
    const kysely = new Kysely<DatabaseSchema>({ dialect: this.#dialect.kyselyDialect(db) });
    const ctx = { db, kysely, dialect: this.#dialect, now: options.now };
    this.repos = new Repositories(ctx);
    this.graphQueries = new RoomGraphQueries(ctx);
    this.timelineRows = new TimelineRepository(ctx);
  }

  get transactions(): TransactionsRepository {
    return this.repos.transactions;
  }

  get serverKeys(): ServerKeysRepository {
    return this.repos.serverKeys;
  }

  get signingKeys(): SigningKeysRepository {
    return this.repos.signingKeys;
  }

  /** A light server's cache of verified events and states (light/), in the same database as its key. */
  get lightCache(): LightCacheRepository {
    return this.repos.lightCache;
  }

  /** The outbound federation queue (the transaction sender's durable store). */
  get outboundQueue(): OutboundQueueRepository {
    return this.repos.outboundQueue;
  }

  /** Local accounts (client-server API). */
  get users(): UsersRepository {
    return this.repos.users;
  }

  /** Client access tokens, stored hashed. */
  get accessTokens(): AccessTokensRepository {
    return this.repos.accessTokens;
  }

  /** Client send transactions (txnId idempotency). */
  get clientTxns(): ClientTxnsRepository {
    return this.repos.clientTxns;
  }

  /** Saved client filters (POST /user/{userId}/filter). */
  get clientFilters(): ClientFiltersRepository {
    return this.repos.clientFilters;
  }

  /** Our room aliases. */
  get roomAliases(): RoomAliasesRepository {
    return this.repos.roomAliases;
  }

  /** Client account data, global and per room, with its own stream position. */
  get accountData(): AccountDataRepository {
    return this.repos.accountData;
  }

  /** Local read receipts, with their own stream position. */
  get receipts(): ReceiptsRepository {
    return this.repos.receipts;
  }

  /** Local users' profiles. */
  get profiles(): ProfilesRepository {
    return this.repos.profiles;
  }

  /** The newest position of the event stream (arrival order of client-visible events; /sync's `since`). */
  streamPosition(): number {
    return this.repos.eventStream.max();
  }

  /** Where an event entered the stream (membership outliers included); undefined if it never did. */
  streamPositionOf(eventId: string): number | undefined {
    return this.repos.eventStream.positionOf(eventId);
  }

  /**
   * The room's client-visible events (not rejected, soft-failed or outliers) that arrived in the stream
   * positions (after, upTo], newest first, at most `limit`; an unknown room has none.
   */
  roomStreamEvents(roomId: string, after: number, upTo: number, limit: number): StreamEvent[] {
    const room = this.room(roomId);
    return room ? this.repos.eventStream.roomEventsAfter(room.nid, after, upTo, limit) : [];
  }

  /** Persists one or more events (any rooms, any order) in one transaction; see persist-events.ts. */
  persistEvents(items: PersistItem[], options?: PersistOptions): PersistResult {
    const changes = this.repos.currentState.changes;
    changes.clear();
    let committed = false;
    try {
      const result = persistEvents(this.repos, items, options);
      committed = true;
      // Durable on return, unless the caller groups commits and syncs them together (groupCommit).
      if (this.commitGroup.getStore() === undefined) this.flush();
      return result;
    } finally {
      // Committed or rolled back, these rows may differ from what was cached. A room's cached current
      // state moves forward by what the transaction changed in it (a message event changes nothing);
      // after a rollback it is forgotten.
      for (const item of items) this.events.delete(item.event.eventId);
      for (const [roomNid, delta] of changes) {
        const cached = committed ? this.currentStates.get(roomNid) : undefined;
        if (cached) this.currentStates.set(roomNid, this.movedForward(cached, delta));
        else this.currentStates.delete(roomNid);
      }
      changes.clear();
    }
  }

  /** A cached current state with a committed change applied: only the changed entries are read. */
  private movedForward(state: StateMap, delta: ReadonlyMap<number, number | null>): StateMap {
    const next = new Map(state);
    for (const [keyNid, eventNid] of delta) {
      const key = stateKey(...this.repos.snapshots.keyOf(keyNid));
      if (eventNid === null) next.delete(key);
      else next.set(key, this.repos.events.idOf(eventNid));
    }
    return freezeOwnStateMap(next);
  }

  /** A stored event (frozen and shared: callers must not change it), parsed once and then cached. */
  getEvent(eventId: string): StoredEvent | undefined {
    return this.cachedEvent(eventId)?.stored;
  }

  /** The stored redaction events that name `eventId` (any flags; whether one applies is the room layer's call). */
  getRedactionsOf(eventId: string): StoredEvent[] {
    return this.getEvents(this.repos.events.redactionsOf(eventId));
  }

  /** The stored events among `eventIds`, in the order asked (unknown IDs are left out). */
  getEvents(eventIds: readonly string[]): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (const id of eventIds) {
      const e = this.getEvent(id);
      if (e) out.push(e);
    }
    return out;
  }

  hasRoom(roomId: string): boolean {
    return this.room(roomId) !== undefined;
  }

  roomVersionOf(roomId: string): string | undefined {
    return this.room(roomId)?.version;
  }

  /** Our next prev_events and MSC4370's answer: depth descending, then event ID ascending. */
  getForwardExtremities(roomId: string, limit?: number): ForwardExtremity[] {
    const room = this.room(roomId);
    return room ? this.repos.extremities.forward(room.nid, limit) : [];
  }

  /** prev_events referenced by the graph that we do not have (as non-outliers), sorted. */
  getBackwardExtremities(roomId: string): string[] {
    const room = this.room(roomId);
    return room ? this.repos.extremities.backward(room.nid).map((b) => b.event_id) : [];
  }

  /**
   * The extremity change persisting `event` (not soft-failed or rejected when `normal`) would make
   * now (extremity-plan.ts): the room layer resolves the states of exactly the extremities kept.
   */
  planExtremities(event: RoomEvent, normal: boolean): ExtremityPlan<string> {
    return planStoredExtremities(this.repos, this.room(event.roomId)?.nid, event, normal);
  }

  /** The state before a (non-outlier) event; read-only and shared: copy it to change it. */
  getStateBefore(eventId: string): StateMap {
    return this.snapshot(this.graphEvent(eventId).stateBeforeNid);
  }

  /** The state after a (non-outlier) event; read-only and shared: copy it to change it. */
  getStateAfter(eventId: string): StateMap {
    return this.snapshot(this.graphEvent(eventId).stateAfterNid);
  }

  /** The room's current state; read-only and shared: copy it to change it. */
  getCurrentState(roomId: string): StateMap {
    const room = this.room(roomId);
    if (!room) throw new NotFoundInStorage('room', roomId);
    const cached = this.currentStates.get(room.nid);
    if (cached) return cached;
    const state = freezeStateMap(this.repos.currentState.load(room.nid));
    if (!this.inTransaction()) this.currentStates.set(room.nid, state);
    return state;
  }

  /** Event IDs of the auth chain of `eventIds` (stored events only), sorted. */
  getAuthChain(eventIds: readonly string[]): string[] {
    return authChain(this.repos, eventIds);
  }

  /** /get_missing_events: events before `latest` and after `earliest`, oldest first. */
  getMissingEvents(roomId: string, earliest: readonly string[], latest: readonly string[], limit: number, minDepth = 0): RoomEvent[] {
    const room = this.room(roomId);
    if (!room) return [];
    return this.eventsByNid(missingEvents(this.repos, room.nid, earliest, latest, limit, minDepth));
  }

  /** /backfill: the given events and those before them, deepest first, at most `limit`. */
  backfill(roomId: string, fromIds: readonly string[], limit: number): RoomEvent[] {
    const room = this.room(roomId);
    if (!room) return [];
    return this.eventsByNid(backfillEvents(this.repos, room.nid, fromIds, limit));
  }

  /** Every stored room with its version and sizes, sorted by room ID. */
  listRooms(): RoomSummary[] {
    return this.graphQueries.rooms();
  }

  /** Every stored room's ID, sorted (listRooms without the sizes). */
  listRoomIds(): string[] {
    return this.repos.rooms.allIds();
  }

  /** Forward extremities per room, sorted by room ID (what the metrics gauge shows). */
  forwardExtremityCounts(): Array<{ roomId: string; count: number }> {
    return this.graphQueries.forwardExtremityCounts();
  }

  /** The room's whole stored graph (the admin DAG export); undefined for a room we do not store. */
  getRoomGraph(roomId: string): RoomGraph | undefined {
    const room = this.room(roomId);
    if (!room) return undefined;
    return {
      roomVersion: room.version,
      events: this.graphQueries.events(room.nid),
      prevEdges: this.graphQueries.prevEdges(room.nid),
      authEdges: this.graphQueries.authEdges(room.nid),
    };
  }

  /**
   * A page of the room's client-visible timeline (not outliers, rejected or soft-failed), in topological
   * order (depth, then arrival): backwards from `from` the events before it, newest first; forwards the
   * events after it, oldest first; never beyond `to`. Undefined when a position names no event of the
   * room (a token from elsewhere); an unknown room has an empty timeline.
   */
  timelinePage(roomId: string, dir: TimelineDirection, from: TimelinePosition, to: TimelinePosition | undefined, limit: number): string[] | undefined {
    const room = this.room(roomId);
    if (!room) return [];
    const fromKey = this.timelineKey(room.nid, from);
    const toKey = to === undefined ? (dir === 'b' ? TIMELINE_START_KEY : TIMELINE_END_KEY) : this.timelineKey(room.nid, to);
    if (fromKey === undefined || toKey === undefined) return undefined;
    return this.timelineRows.page(room.nid, dir, fromKey, toKey, limit);
  }

  /** The newest membership event of `userId` in the room that we hold only as an outlier (e.g. a remote invite). */
  getLatestOutlierMembership(roomId: string, userId: string): StoredEvent | undefined {
    const room = this.room(roomId);
    const id = room ? this.timelineRows.latestOutlierMembership(room.nid, userId) : undefined;
    return id === undefined ? undefined : this.getEvent(id);
  }

  verifyRoom(roomId: string): VerifyResult {
    return verifyRoom(this.repos, roomId);
  }

  /**
   * Runs `work` with group commit: the persists it makes (in its async context only) return without
   * syncing, and one flush() at the end makes them all durable. Other callers meanwhile sync as usual.
   */
  async groupCommit<T>(work: () => Promise<T>): Promise<T> {
    if (this.walPath === undefined) return work();
    try {
      return await this.commitGroup.run(true, work);
    } finally {
      this.flush();
    }
  }

  /**
   * Makes every transaction committed so far durable (group commit, see OpenStorageOptions). One
   * fsync of the write-ahead log covers all the frames written before it; a no-op when each commit
   * already synced itself.
   */
  flush(): void {
    if (this.walPath === undefined) return;
    if (this.walFd === undefined) {
      // The WAL appears with the first write and lives (same file, reused) until the last close.
      if (!existsSync(this.walPath)) return;
      this.walFd = openSync(this.walPath, 'r');
    }
    fsyncSync(this.walFd);
  }

  /**
   * Deletes every room, event, account and queued PDU — all data but our signing keys and the schema —
   * in one transaction, and forgets every cached row: the server keeps its identity and is otherwise
   * new (test suites reuse one server this way; an operator wipes a testbed node). Tables are listed
   * from the schema, so a later migration's table is wiped too.
   */
  reset(): void {
    wipeAllButIdentity(this.#db, this.#dialect);
    this.flush();
    this.events.clear();
    this.snapshots.clear();
    this.currentStates.clear();
    this.roomsById.clear();
    this.versionsByNid.clear();
  }

  close(): void {
    this.flush();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
    this.#db.close();
  }

  private inTransaction(): boolean {
    return this.#dialect.inTransaction(this.#db);
  }

  /** A position in this room's topological order: the gap after a (depth, nid) key. */
  private timelineKey(roomNid: number, position: TimelinePosition): TimelineKey | undefined {
    if (position.at === 'start') return TIMELINE_START_KEY;
    if (position.at === 'end') return TIMELINE_END_KEY;
    const nid = this.repos.events.nidOf(position.eventId);
    const flags = nid === undefined ? undefined : this.repos.events.flags(nid);
    if (!flags || flags.room_nid !== roomNid) return undefined;
    // Before the event is after everything ordered below it: nids are integers, so (depth, nid − 1).
    return { depth: flags.depth, nid: position.at === 'after' ? flags.event_nid : flags.event_nid - 1 };
  }

  private eventsByNid(nids: number[]): RoomEvent[] {
    return nids.map((nid) => this.toStored(this.repos.events.getByNid(nid) as EventRow).event);
  }

  private cachedEvent(eventId: string): CachedEvent | undefined {
    const cached = this.events.get(eventId);
    if (cached) return cached;
    const row = this.repos.events.get(eventId);
    if (!row) return undefined;
    const entry = { stored: this.toStored(row), stateBeforeNid: row.state_before_nid, stateAfterNid: row.state_after_nid };
    if (!this.inTransaction()) this.events.set(eventId, entry);
    return entry;
  }

  /** An event that has a place in the graph (state is not known at outliers). */
  private graphEvent(eventId: string): CachedEvent {
    const entry = this.cachedEvent(eventId);
    if (!entry) throw new NotFoundInStorage('event', eventId);
    if (entry.stored.outlier) throw new NotFoundInStorage('outlier-state', eventId);
    return entry;
  }

  private snapshot(snapshotNid: number | null): StateMap {
    if (snapshotNid === null) return freezeStateMap(new Map());
    const cached = this.snapshots.get(snapshotNid);
    if (cached) return cached;
    // A new snapshot usually follows one just read (the event's parent): build it from that and its
    // few rows instead of reading the whole state again (which made a room's n-th join read n rows).
    const near = this.repos.snapshots.stateFromPredecessor(snapshotNid, (nid) => this.snapshots.get(nid), SNAPSHOT_DELTA_ROWS);
    const state = near ? freezeOwnStateMap(near) : freezeStateMap(this.repos.snapshots.loadStateMap(snapshotNid));
    if (!this.inTransaction()) this.snapshots.set(snapshotNid, state);
    return state;
  }

  /** The room's nid and version (cached once committed, see roomsById). */
  private room(roomId: string): { nid: number; version: string } | undefined {
    const cached = this.roomsById.get(roomId);
    if (cached) return cached;
    const row = this.repos.rooms.get(roomId);
    if (!row) return undefined;
    const room = { nid: row.room_nid, version: row.room_version };
    if (!this.inTransaction()) {
      this.roomsById.set(roomId, room);
      this.versionsByNid.set(room.nid, room.version);
    }
    return room;
  }

  private versionOfRoomNid(roomNid: number): string | undefined {
    const cached = this.versionsByNid.get(roomNid);
    if (cached !== undefined) return cached;
    const version = this.repos.rooms.getByNid(roomNid)?.room_version;
    if (version !== undefined && !this.inTransaction()) this.versionsByNid.set(roomNid, version);
    return version;
  }

  private toStored(row: EventRow): StoredEvent {
    const version = this.versionOfRoomNid(row.room_nid);
    if (version === undefined) throw new Error(`storage: event ${row.event_id} has no room row`);
    return Object.freeze({
      event: toRoomEvent(JSON.parse(row.json) as Pdu, version, { validate: false, eventId: row.event_id }),
      outlier: row.outlier === 1,
      rejectedReason: row.rejection_reason ?? undefined,
      softFailed: row.soft_failed === 1,
      receivedTs: row.received_ts,
    });
  }
}

/** A migrated empty in-memory database, serialised once per process (schema/ does not change while we run). */
let memoryImage: { image: Buffer; migrations: Migration[] } | undefined;

/**
 * The image every fresh ':memory:' store starts from: deserialising it costs ~0.1 ms where running the
 * migrations' DDL costs ~1 ms and reading schema/ from disk more — test suites open hundreds of servers.
 */
export function migratedMemoryImage(): { image: Buffer; migrations: Migration[] } {
  if (memoryImage) return memoryImage;
  const db = new Database(':memory:');
  try {
    const migrations = loadMigrations();
    applyMigrations(db, Date.now, migrations);
    memoryImage = { image: db.serialize(), migrations };
  } finally {
    db.close();
  }
  return memoryImage;
}

/**
 * Opens (creating if needed) the database at `target` — a path, ':memory:', or a connection the caller
 * opened and keeps a handle to — configures it (WAL, foreign keys on, synchronous=FULL or group commit,
 * see OpenStorageOptions.durability) so that nothing acknowledged is lost, then applies pending migrations.
 */
/** Up to this many delta rows, a snapshot is built on its cached predecessor rather than loaded whole. */
const SNAPSHOT_DELTA_ROWS = 256;

export function openStorage(target: string | SqlConnection, options: OpenStorageOptions = {}): Storage {
  const dialect = sqliteDialect;
  const now = options.now ?? Date.now;
  const image = target === ':memory:' && options.migrations === undefined ? migratedMemoryImage() : undefined;
  const db = image ? new Database(image.image) : typeof target === 'string' ? new Database(target) : target;
  // The copy was migrated when the image was made; its rows say when this database got its schema.
  if (image) db.prepare('UPDATE schema_migrations SET applied_ts = ?').run(now());
  const durability: Durability = options.durability === 'on-flush' && !db.memory ? 'on-flush' : 'every-commit';
  try {
    dialect.configure(db, durability);
    applyMigrations(db, now, options.migrations ?? image?.migrations ?? loadMigrations());
  } catch (err) {
    if (typeof target === 'string') db.close();
    throw err;
  }
  return new Storage(db, {
    dialect,
    now,
    ...(durability === 'on-flush' ? { walPath: `${db.name}-wal` } : {}),
    ...(options.cacheReads === false ? { cacheReads: false } : {}),
  });
}
