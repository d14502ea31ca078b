// createLightServer: a Matrix server that keeps no DAG (MSC4370's intended caller; policy servers,
// MSC4284). It serves its key, /version, its own events and an acknowledging /send; it joins rooms,
// learns their current state safely from servers it names, and sends events built on what it learnt.
// One LightServer holds no globals: many run in one process (tests, testbeds).
import { mkdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino, { Logger } from 'pino';
import { generateKeyPair } from '../crypto/ed25519';
import { InMemoryKeyStore, KeyRing } from '../crypto/key-ring';
import { SigningKey, signingKeyFromSeed } from '../crypto/signing-key-file';
import { ServerDiscovery } from '../federation/discovery/server-discovery';
import { dnsResolveSrv, httpsFetchWellKnown } from '../federation/discovery/system-resolvers';
import { FederationApi } from '../federation/client/federation-api';
import type { LinkPolicy } from '../federation/client/link-policy';
import { FederationClient } from '../federation/client/federation-client';
import { HostMapResolver } from '../federation/client/server-resolver';
import { createFederationApp, FederationApp } from '../federation/server/federation-app';
import type { RunningServer } from '../http/listen';
import type { RateLimitOptions } from '../http/rate-limit';
import { MatrixError } from '../protocol/errors';
import { parseUserId } from '../protocol/identifiers';
import type { RoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { parseStateKey, stateKey } from '../protocol/state-map';
import { openStorage, Storage } from '../storage';
import type { LightCacheRepository } from '../storage/light-cache-repository';
import { toRoomEvent } from '../protocol/room-event';
import type { Pdu } from '../protocol/pdu';
import { CurrentStateOptions, learnCurrentState, LightView } from './current-state';
import { kindOfRequestFailure } from './disagreement';
import { buildLightEvent, LightEventFields, Signer } from './light-event-builder';
import { joinVia } from './light-join';
import { LightRoom } from './light-room';
import { lightControlRouter } from './control-routes';
import { lightRouter } from './light-routes';
import type { JoinOptions, LightApi, LightJoinResult, SendOptions, SendResult } from './light-api';
import { countingClient, LightStats, measured } from './light-stats';
import { Budget, VerifyContext } from './verify-events';
import { VerifiedEvents } from './verified-events';

export type { JoinOptions, LightJoinResult, SendOptions, SendResult } from './light-api';

export interface LightServerOptions {
  serverName: string;
  /** ':memory:' (default) or a directory: the signing key and the cache (rooms, verified events, states) survive restarts there. */
  dataDir?: string;
  /** Server name → base URL, for testbeds; other names go through spec discovery. */
  hostMap?: Record<string, string>;
  logger?: Logger;
  /** Per federation request (default 10 s). */
  requestTimeoutMs?: number;
  /** Larger answers are refused (default 32 MiB: a /state of a 10,000-member room fits). */
  maxResponseBytes?: number;
  /** Events one call may download at most (default 100,000). */
  maxEventsPerCall?: number;
  /** How long one call may take at most (default 60 s). */
  deadlineMs?: number;
  /** Per-origin limit on our federation routes; false turns it off. */
  rateLimit?: RateLimitOptions | false;
  /** Link faults on our outbound federation requests (link-policy.ts), as a full server takes them. */
  linkPolicy?: LinkPolicy;
  now?: () => number;
  /** Serves the local control API (control-routes.ts) behind `Authorization: Bearer <token>`; without one it does not exist. */
  adminToken?: string;
}

/** Loads the newest signing key from storage, creating one on first start (as the full server does). */
function loadOrCreateKey(storage: Storage | undefined): SigningKey {
  const active = storage?.signingKeys.active();
  if (active) return signingKeyFromSeed(active.keyId.replace(/^ed25519:/, ''), active.seed);
  const key = signingKeyFromSeed(`l_${randomBytes(3).toString('hex')}`, generateKeyPair().seed);
  if (storage) {
    storage.signingKeys.add({ keyId: key.keyId, seed: key.seed });
    storage.flush();
  }
  return key;
}

export class LightServer implements LightApi {
  readonly serverName: string;
  readonly hostMap: HostMapResolver;
  readonly keyRing: KeyRing;
  readonly federation: FederationApp;
  readonly logger: Logger;
  private readonly storage: Storage | undefined;
  private readonly disk: LightCacheRepository | undefined;
  private readonly key: SigningKey;
  private readonly client: FederationClient;
  private readonly api: FederationApi;
  private readonly cache = new VerifiedEvents();
  private readonly rooms = new Map<string, LightRoom>();
  private readonly ownEvents = new Map<string, RoomEvent>();
  private readonly now: () => number;
  private running: RunningServer | undefined;

  constructor(private readonly options: LightServerOptions) {
    this.serverName = options.serverName;
    this.now = options.now ?? Date.now;
    const dataDir = options.dataDir ?? ':memory:';
    if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
    this.storage = dataDir === ':memory:' ? undefined : openStorage(joinPath(dataDir, 'light.sqlite'));
    this.key = loadOrCreateKey(this.storage);
    this.disk = this.storage?.lightCache;
    if (this.disk) this.load(this.disk);
    this.logger = options.logger ?? pino({ name: this.serverName, level: 'silent' });
    const discovery = new ServerDiscovery({ resolveSrv: dnsResolveSrv, fetchWellKnown: (host) => httpsFetchWellKnown(host) });
    this.hostMap = new HostMapResolver(options.hostMap ?? {}, discovery);
    this.client = new FederationClient({
      serverName: this.serverName,
      signingKey: () => this.key,
      resolver: this.hostMap,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
      maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
      ...(options.linkPolicy ? { linkPolicy: options.linkPolicy } : {}),
    });
    const counted = countingClient(this.client);
    this.api = new FederationApi(counted);
    this.keyRing = new KeyRing({
      store: new InMemoryKeyStore(),
      fetchServerKeys: (server) => counted.requestJson(server, 'GET', '/_matrix/key/v2/server', { authenticated: false }),
      now: this.now,
    });
    this.federation = createFederationApp({
      ownKeys: () => ({ serverName: this.serverName, signingKeys: [this.key] }),
      keyRing: this.keyRing,
      logger: { error: (details, message) => this.logger.error(details, message) },
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      now: this.now,
    });
    this.federation.addAuthenticatedRouter(
      lightRouter({
        serverName: this.serverName,
        now: this.now,
        ownEvent: (id) => this.ownEvents.get(id),
        mayRead: (roomId, server) => this.rooms.get(roomId)?.servers.has(server) ?? false,
        roomVersionOf: (roomId) => this.rooms.get(roomId)?.roomVersion,
      }),
    );
    // On the same port as federation: it is our own API under /_dagmar, as the full server's admin API is.
    if (options.adminToken) this.federation.addPublicRouter(lightControlRouter(this, options.adminToken, this.now));
  }

  /** Our current signing key (its public half is what others verify us with). */
  signingKey(): SigningKey {
    return this.key;
  }

  async start(listen: { host?: string; port?: number } = {}): Promise<RunningServer> {
    this.running = await this.federation.listen({ host: listen.host ?? '127.0.0.1', port: listen.port ?? 0 });
    this.hostMap.set(this.serverName, this.running.url);
    return this.running;
  }

  url(): string {
    if (!this.running) throw new Error('light server not started');
    return this.running.url;
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.running) await this.running.close();
    this.running = undefined;
    this.storage?.close();
  }

  /** Rooms we have joined or learnt, with their versions. */
  knownRooms(): Array<{ roomId: string; roomVersion: string }> {
    return [...this.rooms.values()].map((r) => ({ roomId: r.roomId, roomVersion: r.roomVersion.id }));
  }

  /** Joins `userId` (one of ours) through the first `via` server that lets us; the answer is verified. */
  async join(roomId: string, userId: string, options: JoinOptions): Promise<LightJoinResult> {
    this.assertOurs(userId);
    const { result, stats } = await measured(async () => {
      const budget = this.budget();
      const errors: string[] = [];
      for (const via of options.via.filter((s) => s !== this.serverName)) {
        try {
          const joined = await joinVia((rv) => this.verifyContext(roomId, rv, via, budget), roomId, userId, this.signer());
          const room = this.roomFor(roomId, joined.roomVersion);
          room.rememberState(joined.event.eventId, joined.stateAfter);
          room.servers.add(via);
          this.ownEvents.set(joined.event.eventId, joined.event);
          this.save(room, [joined.event.eventId]);
          return { eventId: joined.event.eventId, roomVersion: joined.roomVersion.id, via };
        } catch (error) {
          errors.push(`${via}: ${(error as Error).message}`);
        }
      }
      throw new MatrixError(502, 'M_UNKNOWN', `could not join ${roomId} through ${options.via.join(', ')}: ${errors.join('; ')}`);
    });
    return { ...result, stats };
  }

  /**
   * The room's current state as the `via` servers' extremities imply it, every event verified, the
   * states at the extremities resolved. Throws MatrixError 502 (with `disagreements`) when nothing can be trusted.
   */
  async currentState(roomId: string, options: CurrentStateOptions): Promise<LightView> {
    const room = this.joinedRoom(roomId);
    const view = (await measured((stats) => this.learn(room, options, stats))).result;
    this.save(room, view.used);
    return view;
  }

  /**
   * Builds an event on the state learnt now from `via`, signs it and pushes it with `/send` to every
   * server with a joined member in that state. The result says what each answered.
   */
  async send(roomId: string, fields: LightEventFields, options: SendOptions): Promise<SendResult> {
    this.assertOurs(fields.sender);
    const room = this.joinedRoom(roomId);
    const { result, stats } = await measured(async (stats) => {
      const view = await this.learn(room, options, stats);
      const event = buildLightEvent(view, room.roomVersion, fields, this.cache, this.signer());
      this.cache.put({ event, rejected: undefined });
      this.ownEvents.set(event.eventId, event);
      const destinations = joinedServers(view).filter((s) => s !== this.serverName);
      const txnId = `${this.now()}-${randomBytes(6).toString('hex')}`;
      const delivered: Record<string, string> = {};
      await Promise.all(
        destinations.map(async (destination) => {
          try {
            const answer = await this.api.sendTransaction(destination, txnId, { origin: this.serverName, origin_server_ts: this.now(), pdus: [event.pdu] }, { timeoutMs: this.options.requestTimeoutMs ?? 10_000 });
            const verdict = answer.pdus[event.eventId];
            delivered[destination] = verdict === undefined ? 'no verdict for the event' : (verdict.error ?? 'ok');
          } catch (error) {
            delivered[destination] = `${kindOfRequestFailure(error)}: ${(error as Error).message}`;
          }
        }),
      );
      // Our event is now a parent of what comes next: its state is known without asking anyone.
      if (event.stateKey !== undefined) room.rememberState(event.eventId, new Map(view.stateIds).set(stateKey(event.type, event.stateKey), event.eventId));
      else room.rememberState(event.eventId, view.stateIds);
      return { eventId: event.eventId, event, delivered, view };
    });
    this.save(room, [result.eventId]);
    return { ...result, stats };
  }

  /** One learning pass under the call's stats, within its budget and deadline. */
  private async learn(room: LightRoom, options: CurrentStateOptions, stats: LightStats): Promise<LightView> {
    const deps = { api: this.api, keyLookup: this.keyRing.lookup, cache: this.cache, requestTimeoutMs: this.options.requestTimeoutMs ?? 10_000 };
    const view = await learnCurrentState(deps, room, options.via, this.budget(options), stats);
    for (const server of joinedServers(view)) room.servers.add(server);
    return view;
  }

  private joinedRoom(roomId: string): LightRoom {
    const room = this.rooms.get(roomId);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', `${roomId} is not a room this light server has joined`);
    return room;
  }

  /** Writes the room, the events verified since the last save, and the states after `current` (when on disk). */
  private save(room: LightRoom, current: readonly string[]): void {
    const fresh = this.cache.takeFresh();
    if (!this.disk) return;
    const events = fresh.map(({ event, rejected }) => ({ eventId: event.eventId, roomId: event.roomId, pdu: event.pdu as never, rejected, own: this.ownEvents.has(event.eventId) }));
    const states = current.flatMap((eventId) => {
      const state = room.stateAfter.get(eventId);
      return state ? [{ eventId, state: [...state] }] : [];
    });
    this.disk.save({ roomId: room.roomId, roomVersion: room.roomVersion.id, servers: [...room.servers] }, events, states);
  }

  /** Reads back what save() wrote: these events were verified before they were stored. */
  private load(disk: LightCacheRepository): void {
    for (const record of disk.rooms()) {
      const room = this.roomFor(record.roomId, getRoomVersion(record.roomVersion));
      record.servers.forEach((s) => room.servers.add(s));
      for (const e of disk.events(record.roomId)) {
        const event = toRoomEvent(e.pdu as unknown as Pdu, room.roomVersion, { validate: false, eventId: e.eventId });
        this.cache.put({ event, rejected: e.rejected });
        if (e.own) this.ownEvents.set(e.eventId, event);
      }
      for (const s of disk.states(record.roomId)) room.rememberState(s.eventId, new Map(s.state));
    }
    this.cache.takeFresh();
  }

  private assertOurs(userId: string): void {
    if (parseUserId(userId)?.serverName !== this.serverName) throw new MatrixError(400, 'M_INVALID_PARAM', `${userId} is not a user of ${this.serverName}`);
  }

  private signer(): Signer {
    return { serverName: this.serverName, keyId: this.key.keyId, seed: this.key.seed, now: this.now };
  }

  private budget(options: Partial<CurrentStateOptions> = {}): Budget {
    const deadline = options.deadlineMs ?? this.options.deadlineMs ?? 60_000;
    return new Budget(options.maxEvents ?? this.options.maxEventsPerCall ?? 100_000, AbortSignal.timeout(deadline));
  }

  private verifyContext(roomId: string, roomVersion: RoomVersion, server: string, budget: Budget): VerifyContext {
    const call = { timeoutMs: this.options.requestTimeoutMs ?? 10_000, signal: budget.signal };
    return { api: this.api, keyLookup: this.keyRing.lookup, cache: this.cache, roomId, roomVersion, server, budget, call };
  }

  private roomFor(roomId: string, roomVersion: RoomVersion): LightRoom {
    let room = this.rooms.get(roomId);
    if (!room || room.roomVersion.id !== roomVersion.id) this.rooms.set(roomId, (room = new LightRoom(roomId, getRoomVersion(roomVersion))));
    return room;
  }
}

/** Servers with at least one joined member in the view's state (where our events must go). */
export function joinedServers(view: Pick<LightView, 'state'>): string[] {
  const servers = new Set<string>();
  for (const [key, event] of view.state) {
    const [type, stateKeyValue] = parseStateKey(key);
    if (type !== 'm.room.member' || event.content.membership !== 'join') continue;
    const server = parseUserId(stateKeyValue)?.serverName;
    if (server) servers.add(server);
  }
  return [...servers].sort();
}

export function createLightServer(options: LightServerOptions): LightServer {
  return new LightServer(options);
}

