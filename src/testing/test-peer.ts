// TestPeer: a programmable federation server inside the test process — its own key, listener and real
// DAG (dagmar's storage and room service in memory), driven by the test against any homeserver over HTTP.
import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { Router } from '@koa/router';
import pino from 'pino';
import { signEvent } from '../crypto/event-signing';
import { InMemoryKeyStore, KeyRing } from '../crypto/key-ring';
import { SigningKey, signingKeyFromSeed } from '../crypto/signing-key-file';
import { FederationApi } from '../federation/client/federation-api';
import { FederationClient, FederationClientOptions } from '../federation/client/federation-client';
import { FederationRequestError } from '../federation/client/federation-request-error';
import { HostMapResolver } from '../federation/client/server-resolver';
import { FederationMembership } from '../federation/remote-join';
import { cosignRemoteInvite } from '../federation/remote-invite';
import { createFederationApp } from '../federation/server/federation-app';
import { addFederationEndpoints } from '../federation/server/federation-endpoints';
import type { ListenOptions, RunningServer } from '../http/listen';
import { parseXMatrixHeader, signRequest } from '../federation/x-matrix';
import { encodeBase64 } from '../protocol/base64';
import { isJsonObject, JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';
import { getRoomVersion } from '../protocol/room-versions';
import type { LocalEventFields } from '../rooms/local-event-builder';
import { CreateRoomOptions, JoinResult, RoomService } from '../rooms/room-service';
import { openStorage, Storage } from '../storage';
import type { DagBuilder } from './dag-builder';
import { seededStartTs, serverKeyFor } from './dag-keys';
import { DagLoadResult, loadDag } from './load-dag';

export interface TestPeerOptions {
  serverName: string;
  /**
   * Makes the peer reproducible: its key is DagBuilder's key for `serverName` under the same seed (so
   * a `new DagBuilder({ seed })` signs the peer's events with the key the peer publishes), and its
   * clock starts at the seed's epoch and ticks 1 ms per event, so the IDs of the events it builds
   * (v3+: reference hashes) are the same on every run. Without a seed: a random key, the real clock.
   */
  seed?: string;
  /** The homeserver under test; `target()` sets or changes it later. */
  target?: PeerTarget;
  /** prev_events per event the peer lays out (default 10, like dagmar). */
  maxPrevEvents?: number;
  /** Where the peer listens (default 127.0.0.1, an ephemeral port; HTTPS with `tls`): a remote target must reach it. */
  listen?: ListenOptions;
  /** TLS options for the peer's requests (`rejectUnauthorized: false` for a target with a self-signed certificate). */
  tls?: FederationClientOptions['tls'];
}

/** Any homeserver: where it listens and its server name. The peer only ever talks to it over HTTP. */
export interface PeerTarget {
  url: string;
  serverName: string;
}

/** What the peer has been asked, as it arrived (body and status once answered). */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, percent-decoded. */
  path: string;
  query: Record<string, string | string[]>;
  /** The X-Matrix origin, when the request carries one. */
  origin: string | undefined;
  body?: unknown;
  /** The status answered (undefined while in progress). */
  status?: number;
}

/** `METHOD path` prefix (`'POST /_matrix/federation/v1/get_missing_events'`), a regexp over `METHOD path`, or a predicate. */
export type RequestMatch = string | RegExp | ((request: RecordedRequest) => boolean);

/** What a call to the target answered: status and JSON body, errors included. */
export interface PeerAnswer<T = JsonObject> {
  status: number;
  body: T;
}

/** Ways `breakPdu` spoils an event, each failing a different check on receipt of a PDU. */
export type PduDamage = 'unsigned' | 'badHash' | 'wrongRoom' | 'forgedSender';

/** Anything with the two fields `connect` wires: a dagmar Homeserver. */
export interface ConnectableServer {
  readonly serverName: string;
  readonly hostMap: HostMapResolver;
  url(): string;
}

type OverrideHandler = Middleware;

function matches(match: RequestMatch, request: RecordedRequest): boolean {
  if (typeof match === 'function') return match(request);
  const line = `${request.method} ${request.path}`;
  return typeof match === 'string' ? line.startsWith(match) : match.test(line);
}

/** Creates and starts a peer on an ephemeral loopback port. */
export async function createTestPeer(options: TestPeerOptions): Promise<TestPeer> {
  const peer = new TestPeer(options);
  await peer.start();
  return peer;
}

export class TestPeer {
  readonly serverName: string;
  readonly key: SigningKey;
  /** The peer's own DAG: dagmar's storage in memory, so its extremities and state are real. */
  readonly storage: Storage;
  /** dagmar's room service over that storage: the peer's events are built, authorised and persisted by it. */
  readonly rooms: RoomService;
  readonly keyRing: KeyRing;
  readonly client: FederationClient;
  readonly hostMap = new HostMapResolver({});
  /** Every request the peer received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly logger = pino({ level: 'silent' });

  private readonly overrides = new Map<string, OverrideHandler>();
  private readonly overrideRouter = new Router();
  private readonly waiters = new Set<{ match: RequestMatch; resolve: (r: RecordedRequest) => void; reject: (e: Error) => void }>();
  private readonly clock: () => number;
  private running: RunningServer | undefined;
  private currentTarget: PeerTarget | undefined;
  private readonly listenAt: ListenOptions;

  constructor(options: TestPeerOptions) {
    this.serverName = options.serverName;
    const seed = options.seed ?? encodeBase64(randomBytes(32));
    const dagKey = serverKeyFor(seed, this.serverName);
    this.key = signingKeyFromSeed(dagKey.keyId.replace(/^ed25519:/, ''), dagKey.seed);
    let ts = seededStartTs(seed);
    this.clock = options.seed !== undefined ? () => ts++ : Date.now;
    this.storage = openStorage(':memory:');
    this.listenAt = options.listen ?? {};
    this.client = new FederationClient({
      serverName: this.serverName,
      signingKey: () => this.key,
      resolver: this.hostMap,
      timeoutMs: 30_000,
      ...(options.tls ? { tls: options.tls } : {}),
    });
    const api = new FederationApi(this.client);
    this.keyRing = new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys: (other) => api.getServerKeys(other) });
    const signer = { serverName: this.serverName, signingKey: () => this.key, now: this.clock };
    const rooms: RoomService = new RoomService({
      storage: this.storage,
      signer,
      maxPrevEvents: options.maxPrevEvents ?? 10,
      cosignRemoteInvite: (invite) => cosignRemoteInvite({ storage: this.storage, api, keyRing: this.keyRing }, invite),
      // Joining the target's rooms is dagmar's own joining side, storing only through the peer's room service.
      remoteMembership: new FederationMembership({
        api,
        keyLookup: this.keyRing.lookup,
        signer,
        storage: this.storage,
        rooms: {
          ingestOutliers: (events) => rooms.ingestOutliers(events),
          ingestRemoteEvent: (event, stateSets) => rooms.ingestRemoteEvent(event, stateSets),
          storeOutlierMembership: (event) => rooms.storeOutlierMembership(event),
        },
        logger: this.logger,
      }),
    });
    this.rooms = rooms;
    if (options.target) this.target(options.target);
  }

  /** Starts the peer's listener: key server, overrides, then dagmar's own federation endpoints over the peer's DAG. */
  async start(): Promise<this> {
    if (this.running) return this;
    const fed = createFederationApp({ ownKeys: () => ({ serverName: this.serverName, signingKeys: [this.key] }), keyRing: this.keyRing, logger: this.logger, rateLimit: false, keyRateLimit: false });
    fed.app.middleware.unshift(this.recorder());
    fed.addAuthenticatedRouter(this.overrideRouter);
    addFederationEndpoints(fed, {
      serverName: this.serverName,
      storage: this.storage,
      rooms: this.rooms,
      keyRing: this.keyRing,
      client: this.client,
      logger: this.logger,
      now: Date.now,
      signingKey: () => this.key,
      maxPrevEvents: 10,
      // The peer pushes nothing by itself: a test sends what it wants, when it wants (send()).
      forward: () => undefined,
    });
    this.running = await fed.listen({ port: 0, ...this.listenAt });
    this.hostMap.set(this.serverName, this.running.url);
    return this;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.running?.close();
    this.running = undefined;
    for (const waiter of [...this.waiters]) waiter.reject(new Error(`TestPeer ${this.serverName} stopped while waiting for ${String(waiter.match)}`));
    this.storage.close();
  }

  /** The peer's base URL. */
  get url(): string {
    if (!this.running) throw new Error(`TestPeer ${this.serverName} is not started`);
    return this.running.url;
  }

  /** Sets the homeserver under test (any implementation: only its URL and name are used). */
  target(target: PeerTarget): this {
    this.currentTarget = target;
    this.hostMap.set(target.serverName, target.url);
    return this;
  }

  /** For a dagmar target in the same process: each learns the other's address (host maps both ways). */
  connect(hs: ConnectableServer): this {
    this.target({ url: hs.url(), serverName: hs.serverName });
    hs.hostMap.set(this.serverName, this.url);
    return this;
  }

  /** The target's server name (throws when none is set). */
  get destination(): string {
    if (!this.currentTarget) throw new Error(`TestPeer ${this.serverName} has no target: call target() or connect() first`);
    return this.currentTarget.serverName;
  }

  // ---- what the peer is asked ------------------------------------------------------------------

  /**
   * Answers `method path` (a @koa/router path, `:params` allowed) with `handler` instead of the
   * honest endpoint, until the returned function is called (or the path is overridden again). The
   * request is still X-Matrix-authenticated first; `ctx.state.origin` names the caller.
   */
  override(method: string, path: string, handler: OverrideHandler): () => void {
    const key = `${method.toUpperCase()} ${path}`;
    if (!this.overrides.has(key)) {
      this.overrideRouter.register(path, [method.toUpperCase()], (ctx, next) => {
        const current = this.overrides.get(key);
        return current ? current(ctx, next) : next();
      });
    }
    this.overrides.set(key, handler);
    return () => {
      if (this.overrides.get(key) === handler) this.overrides.delete(key);
    };
  }

  /** Resolves with the first request (already received or yet to come) that matches; rejects after `timeoutMs`. */
  waitForRequest(match: RequestMatch, options: { timeoutMs?: number } = {}): Promise<RecordedRequest> {
    const seen = this.requests.find((r) => matches(match, r));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: RecordedRequest) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(r);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`TestPeer ${this.serverName}: no request matching ${String(match)} within ${options.timeoutMs ?? 10_000} ms; received: ${this.requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none'}`));
      }, options.timeoutMs ?? 10_000);
      this.waiters.add(waiter);
    });
  }

  // ---- the peer's own DAG -----------------------------------------------------------------------

  /** Loads a DagBuilder DAG into the peer's storage (every check applies); the peer then serves it. */
  load(dag: DagBuilder): Promise<DagLoadResult> {
    return loadDag(this, dag);
  }

  /** Creates a room on the peer (its user `creator`), as dagmar's createRoom does. */
  createRoom(options: CreateRoomOptions): Promise<string> {
    return this.rooms.createRoom(options);
  }

  /**
   * Builds, signs and stores an event of the peer's (its own DAG moves: it becomes an extremity).
   * `prevEvents` names the parents (a fork on purpose); by default the peer's forward extremities.
   */
  buildEvent(roomId: string, fields: Omit<LocalEventFields, 'content'> & { content?: JsonObject }, options: { prevEvents?: readonly string[] } = {}): Promise<RoomEvent> {
    return this.rooms.sendLocalEvent(roomId, { ...fields, content: fields.content ?? {} }, options.prevEvents ? { prevEventIds: options.prevEvents } : {});
  }

  /** The peer's forward extremities for a room, all of them (depth descending, then event ID). */
  forwardExtremities(roomId: string): string[] {
    return this.storage.getForwardExtremities(roomId).map((e) => e.eventId);
  }

  /** An event the peer stores (throws when it does not). */
  event(eventId: string): RoomEvent {
    const found = this.storage.getEvent(eventId);
    if (!found) throw new Error(`TestPeer ${this.serverName} does not have ${eventId}`);
    return found.event;
  }

  /**
   * A copy of the event's wire form spoilt on purpose (not stored by the peer):
   * `unsigned` drops the signatures; `badHash` changes the content after signing; `wrongRoom` re-signs
   * it for another room ID; `forgedSender` re-signs it by the peer for a sender on another server.
   */
  breakPdu(event: RoomEvent, damage: PduDamage, options: { roomId?: string; sender?: string } = {}): JsonObject {
    const rv = getRoomVersion(this.storage.roomVersionOf(event.roomId) ?? '10');
    const pdu = structuredClone(event.pdu) as unknown as Record<string, unknown>;
    if (damage === 'unsigned') {
      delete pdu.signatures;
      return pdu as JsonObject;
    }
    if (damage === 'badHash') {
      pdu.content = { ...(pdu.content as JsonObject), 'dagmar.tampered': true };
      return pdu as JsonObject;
    }
    delete pdu.signatures;
    delete pdu.hashes;
    delete pdu.unsigned;
    if (damage === 'wrongRoom') pdu.room_id = options.roomId ?? `!${randomBytes(9).toString('hex')}:${this.serverName}`;
    if (damage === 'forgedSender') {
      pdu.sender = options.sender ?? `@victim:${this.currentTarget?.serverName ?? 'elsewhere.test'}`;
      if (pdu.type === 'm.room.member') pdu.state_key = pdu.sender;
    }
    if (rv.eventIdFormat === 'server-assigned') pdu.event_id = `$${randomBytes(9).toString('base64url')}:${this.serverName}`;
    return signEvent(pdu, rv, this.serverName, this.key.keyId, this.key.seed) as unknown as JsonObject;
  }

  // ---- talking to the target --------------------------------------------------------------------

  /** A signed request to the target; errors come back as `{status, body}` instead of throwing. */
  async call<T = JsonObject>(method: string, path: string, options: { query?: Record<string, string | number | string[]>; body?: JsonObject; destination?: string } = {}): Promise<PeerAnswer<T>> {
    try {
      return { status: 200, body: await this.client.requestJson<T>(options.destination ?? this.destination, method, path, options) };
    } catch (error) {
      if (error instanceof FederationRequestError && error.status !== undefined) return { status: error.status, body: error.body as T };
      throw error;
    }
  }

  /**
   * Joins `userId` (one of the peer's users) to a room on the target as a joining server does:
   * make_join, sign, send_join, then every returned event is checked (format, signatures, hashes,
   * room) and stored, and the join taken in at the state the target gave — dagmar's own joining code.
   */
  join(roomId: string, userId: string, options: { content?: JsonObject } = {}): Promise<JoinResult> {
    return this.rooms.joinRoom(roomId, userId, { via: [this.destination], ...options });
  }

  /** PUT /send of events (stored or broken) and EDUs in one transaction; `txnId` defaults to a fresh one. */
  send(pdus: ReadonlyArray<RoomEvent | JsonObject>, options: { txnId?: string; edus?: JsonObject[]; destination?: string } = {}): Promise<PeerAnswer<{ pdus: Record<string, { error?: string }> }>> {
    const raw = pdus.map((p) => (isRoomEvent(p) ? (p.pdu as unknown as JsonObject) : p));
    return this.sendTransaction({ origin: this.serverName, origin_server_ts: Date.now(), pdus: raw, edus: options.edus ?? [] }, options);
  }

  /** PUT /send with any body at all (a transaction that lies about its origin, say). */
  sendTransaction(body: JsonObject, options: { txnId?: string; destination?: string } = {}): Promise<PeerAnswer<{ pdus: Record<string, { error?: string }> }>> {
    const txnId = options.txnId ?? `t${randomBytes(6).toString('hex')}`;
    return this.call('PUT', `/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`, { body, ...(options.destination ? { destination: options.destination } : {}) });
  }

  /** Builds an event on the peer's DAG and sends it to the target: the usual way a peer speaks. */
  async sendEvent(roomId: string, fields: Omit<LocalEventFields, 'content'> & { content?: JsonObject }, options: { prevEvents?: readonly string[] } = {}): Promise<{ event: RoomEvent; answer: PeerAnswer<{ pdus: Record<string, { error?: string }> }> }> {
    const event = await this.buildEvent(roomId, fields, options);
    return { event, answer: await this.send([event]) };
  }

  /**
   * The X-Matrix header the peer would send for a request to the target (to replay it, tamper with it,
   * or send pre-signed requests in a benchmark: the signature covers no timestamp).
   */
  authorization(method: string, uri: string, content?: JsonObject, destination = this.destination): string {
    return signRequest({ method, uri, origin: this.serverName, destination, ...(content !== undefined ? { content } : {}) }, this.key.keyId, this.key.seed);
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Outermost middleware: records each request on arrival and its body and status once answered. */
  private recorder(): Middleware {
    return async (ctx, next) => {
      let origin: string | undefined;
      const header = ctx.get('Authorization');
      if (header) {
        try {
          origin = parseXMatrixHeader(header).origin;
        } catch {
          origin = undefined;
        }
      }
      const request: RecordedRequest = { method: ctx.method, path: safeDecode(ctx.path), query: { ...(ctx.query as Record<string, string | string[]>) }, origin };
      this.requests.push(request);
      this.notify(request);
      try {
        await next();
      } finally {
        request.body = ctx.request.body;
        request.status = ctx.status;
        this.notify(request);
      }
    };
  }

  private notify(request: RecordedRequest): void {
    for (const waiter of [...this.waiters]) if (matches(waiter.match, request)) waiter.resolve(request);
  }
}

function isRoomEvent(value: RoomEvent | JsonObject): value is RoomEvent {
  return 'pdu' in value && 'eventId' in value && isJsonObject((value as RoomEvent).pdu as unknown);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
