// createHomeserver(config): wires one dagmar server — storage, keys, room service, federation app,
// client API, admin API, metrics, outbound sender — with no globals, so that many run in one process.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino, { Logger } from 'pino';
import { generateKeyPair } from './crypto/ed25519';
import { InMemoryKeyStore, KeyRing } from './crypto/key-ring';
import { SigningKey, signingKeyFromSeed } from './crypto/signing-key-file';
import { DagmarConfig, DEFAULT_CONFIG } from './config';
import { ServerDiscovery } from './federation/discovery/server-discovery';
import { dnsResolveSrv, httpsFetchWellKnown } from './federation/discovery/system-resolvers';
import { FederationClient } from './federation/client/federation-client';
import { HostMapResolver } from './federation/client/server-resolver';
import { createFederationApp, FederationApp } from './federation/server/federation-app';
import { RunningServer } from './http/listen';
import { OwnServerKeys } from './federation/server/own-server-keys';
import { FederationRateLimitOptions } from './http/rate-limit';
import { TransactionSender } from './federation/sender/transaction-sender';
import { federationTransport } from './federation/sender/federation-transport';
import { RoomEvent } from './protocol/room-event';
import { parseUserId } from './protocol/identifiers';
import { RoomService } from './rooms/room-service';
import { openStorage, Storage } from './storage';
import { addFederationEndpoints } from './federation/server/federation-endpoints';
import { adminRouter } from './admin/admin-router';
import { HomeserverMetrics } from './metrics/homeserver-metrics';
import { listenForMetrics, metricsRouter } from './metrics/metrics-route';
import { requestObserver } from './metrics/request-observer';
import { durableResponses } from './http/durable-responses';
import { addClientApi, DEFAULT_CREDENTIAL_RATE_LIMIT } from './client-api/client-api';
import { SyncNotifier } from './client-api/sync-notifier';
import { FederationApi } from './federation/client/federation-api';
import { cosignRemoteInvite } from './federation/remote-invite';
import { FederationMembership } from './federation/remote-join';
import { pendingRemoteInvite } from './client-api/room-queries';
import type { FetchLimits } from './federation/fetch-budget';
import { DagLoadResult, loadDag, SignedDag } from './rooms/load-signed-dag';
import type { LinkPolicy } from './federation/client/link-policy';
import { aclAllows } from './federation/server/room-access';
import { AntiEntropy } from './federation/sync/anti-entropy';
import { ExtremityGrowthControl } from './federation/sync/extremity-growth';
import { recoverResultJson, recoverRoom, RecoverOptions, RecoverResult } from './federation/sync/recover';

export interface HomeserverOptions extends Partial<DagmarConfig> {
  /** Structured logger; default pino at `logLevel` (silent when dataDir is ':memory:' and no level is set). */
  logger?: Logger;
  /** Per-origin federation rate limit; false disables it (local benchmarks). Default: from the config's rateLimit* settings. */
  rateLimit?: FederationRateLimitOptions | false;
  /** Outbound retry backoff (tests shorten it). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  /** What one incoming transaction may make us fetch (tests shrink the deadline); see fetch-budget.ts. */
  fetchLimits?: Partial<FetchLimits>;
  /** Link faults on our outbound federation traffic (link-policy.ts): testbeds, operators, tests. */
  linkPolicy?: LinkPolicy;
  /** Growth control: at most one dummy event per room per this many ms (default 5000; extremity-growth.ts). */
  dummyEventMinIntervalMs?: number;
}

export interface Homeserver {
  readonly serverName: string;
  readonly config: DagmarConfig;
  readonly storage: Storage;
  readonly rooms: RoomService;
  readonly keyRing: KeyRing;
  readonly client: FederationClient;
  readonly hostMap: HostMapResolver;
  readonly sender: TransactionSender;
  readonly federation: FederationApp;
  readonly logger: Logger;
  /** Counters and gauges served on GET /metrics. */
  readonly metrics: HomeserverMetrics;
  /** MSC4370 anti-entropy (runs while started, unless antiEntropyIntervalSeconds is 0). */
  readonly antiEntropy: AntiEntropy;
  /** The typed federation calls, over `client`. */
  readonly api: FederationApi;
  signingKey(): SigningKey;
  /**
   * Rebuilds a room from servers in it after data loss (federation/sync/recover.ts). Needs the server
   * started: the servers asked fetch our (new) signing key from us to check our requests.
   */
  recover(roomId: string, options: RecoverOptions): Promise<RecoverResult>;
  /** Starts listening (config.listen, or an ephemeral loopback port with `port: 0`). */
  start(listen?: { host?: string; port?: number }): Promise<RunningServer>;
  /** Base URL once started. */
  url(): string;
  /** Base URL of the separate /metrics listener (config metricsListen) once started; undefined without one. */
  metricsUrl(): string | undefined;
  stop(): Promise<void>;
  /** Persists a signed DAG (a DagBuilder's) as if each event arrived over /send, every check included (rooms/load-signed-dag.ts). */
  load(dag: SignedDag): Promise<DagLoadResult>;
  /**
   * Empties the server while it runs: waits for transactions in flight, then deletes every room, event,
   * account, token and queued PDU (Storage.reset). Keeps the signing key (same identity, so peers' cached
   * keys stay right), the listener and URL, the host map, remote keys in the key ring, and per-destination
   * retry and rate-limit state, which describe the network rather than the data. Test suites reuse one
   * server this way; an operator wipes a testbed node.
   */
  reset(): Promise<void>;
  /** Calls `listener` after each PDU this server stores in a room's graph (ours or a peer's, whatever its outcome); returns the unsubscribe. */
  onEvent(listener: (notice: PersistedEventNotice) => void): () => void;
}

/** What onEvent tells: enough to know which room's DAG changed (the testbed dashboard's live updates). */
export interface PersistedEventNotice {
  roomId: string;
  eventId: string;
  type: string;
  status: string;
  origin: 'local' | 'remote';
}

/** Loads our active signing key from storage, generating and storing one on first start. */
function loadOrCreateSigningKey(storage: Storage, logger: Logger): SigningKey {
  const active = storage.signingKeys.active();
  if (active) return signingKeyFromSeed(active.keyId.replace(/^ed25519:/, ''), active.seed);
  const key = signingKeyFromSeed(`a_${randomBytes(3).toString('hex')}`, generateKeyPair().seed);
  storage.signingKeys.add({ keyId: key.keyId, seed: key.seed });
  storage.flush(); // our identity must survive a crash before anyone sees it
  logger.info({ keyId: key.keyId, publicKey: key.publicKey }, 'generated a new signing key');
  return key;
}

export function createHomeserver(options: HomeserverOptions = {}): Homeserver {
  const config: DagmarConfig = { ...DEFAULT_CONFIG, ...stripUndefined(options) };
  const inMemory = config.dataDir === ':memory:';
  const logger = options.logger ?? pino({ name: config.serverName, level: options.logLevel ?? (inMemory ? 'silent' : config.logLevel) });
  if (!inMemory) mkdirSync(config.dataDir, { recursive: true });
  // Group commit: a /send's PDUs share one fsync, and every response is durable (durable-responses.ts).
  const storage = openStorage(inMemory ? ':memory:' : join(config.dataDir, 'dagmar.sqlite'), { durability: 'on-flush', now: options.now ?? Date.now });
  const now = options.now ?? Date.now;
  const key = loadOrCreateSigningKey(storage, logger);
  const serverName = config.serverName;
  const metrics = new HomeserverMetrics(storage);

  const ownKeys = (): OwnServerKeys => ({
    serverName,
    signingKeys: [key],
    oldVerifyKeys: storage.signingKeys
      .all()
      .filter((k) => k.retiredTs !== null)
      .map((k) => ({ keyId: k.keyId, publicKey: signingKeyFromSeed(k.keyId.replace(/^ed25519:/, ''), k.seed).publicKey, expiredTs: k.retiredTs as number })),
  });

  // Names in the host map go where it says (loopback included); others through discovery, which
  // refuses private addresses unless allowPrivateAddresses.
  const discovery = new ServerDiscovery({ resolveSrv: dnsResolveSrv, fetchWellKnown: (host, lookup) => httpsFetchWellKnown(host, lookup ? { lookup } : {}), allowPrivateAddresses: config.allowPrivateAddresses });
  const hostMap = new HostMapResolver(config.hostMap, discovery);
  const client = new FederationClient({ serverName, signingKey: () => key, resolver: hostMap, log: (fields, message) => logger.warn(fields, message), ...(options.linkPolicy ? { linkPolicy: options.linkPolicy } : {}) });
  const federationApi = new FederationApi(client);
  const keyRing = new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys: (other) => federationApi.getServerKeys(other), now });

  const sender = new TransactionSender({
    origin: serverName,
    store: storage.outboundQueue,
    transport: federationTransport(federationApi, (fields, message) => logger.warn(fields, message)),
    initialBackoffMs: options.initialBackoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 3600_000,
    now,
    log: (message, fields) => logger.info(fields, message),
  });

  const api = new FederationApi(client);
  const eventListeners = new Set<(notice: PersistedEventNotice) => void>();
  // Long-polling /sync requests wait on this; every persisted event wakes the ones it concerns.
  const syncNotifier = new SyncNotifier();
  const signer = { serverName, signingKey: () => key, now };
  const rooms: RoomService = new RoomService({
    storage,
    signer,
    maxPrevEvents: config.maxPrevEvents,
    cosignRemoteInvite: (invite) => cosignRemoteInvite({ storage, api, keyRing }, invite),
    // Handshakes store only through the room service (built right here; called after construction).
    remoteMembership: new FederationMembership({
      api,
      keyLookup: keyRing.lookup,
      signer,
      storage,
      rooms: {
        ingestOutliers: (events) => rooms.ingestOutliers(events),
        ingestRemoteEvent: (event, stateSets) => rooms.ingestRemoteEvent(event, stateSets),
        storeOutlierMembership: (event) => rooms.storeOutlierMembership(event),
      },
      logger,
    }),
    pendingRemoteInvite: (roomId, userId) => pendingRemoteInvite(storage, roomId, userId),
    // A remote invite is stored only as an outlier: it must still wake the invitee's /sync.
    onOutlierMembership: (event) => syncNotifier.roomChanged(event.roomId, event.stateKey === undefined ? [] : [event.stateKey]),
    onPersisted: (event, outcome, origin) => {
      logger.info({ roomId: event.roomId, eventId: event.eventId, type: event.type, status: outcome.status, reason: outcome.reason, origin }, `pdu ${outcome.status}`);
      metrics.recordPdu(outcome.status, origin);
      growth.noteRoom(event.roomId);
      syncNotifier.roomChanged(event.roomId, event.type === 'm.room.member' && event.stateKey !== undefined ? [event.stateKey] : []);
      if (origin === 'local') sender.enqueue(destinationsFor(rooms, event), { eventId: event.eventId, roomId: event.roomId, pdu: event.pdu });
      for (const listener of eventListeners) listener({ roomId: event.roomId, eventId: event.eventId, type: event.type, status: outcome.status, origin });
    },
  });

  const growth = new ExtremityGrowthControl({
    serverName,
    storage,
    rooms,
    limit: config.maxForwardExtremities,
    minIntervalMs: options.dummyEventMinIntervalMs ?? 5000,
    logger,
    dummyEvents: metrics.dummyEvents,
    now,
  });

  const federation = createFederationApp({
    ownKeys,
    keyRing,
    logger: { error: (details: Record<string, unknown>, message?: string) => logger.error(details, message) },
    rateLimit: options.rateLimit ?? configuredRateLimit(config),
    now,
  });
  const intake = addFederationEndpoints(federation, {
    serverName,
    storage,
    rooms,
    keyRing,
    client,
    logger,
    now,
    signingKey: () => key,
    maxPrevEvents: config.maxPrevEvents,
    ...(options.fetchLimits ? { fetchLimits: options.fetchLimits } : {}),
    forward: (event, except) =>
      sender.enqueue(
        destinationsFor(rooms, event).filter((d) => !except.includes(d)),
        { eventId: event.eventId, roomId: event.roomId, pdu: event.pdu },
      ),
  });

  const antiEntropy = new AntiEntropy({
    serverName,
    storage,
    rooms,
    api,
    intake,
    sender,
    intervalMs: config.antiEntropyIntervalSeconds * 1000,
    serverAllowed: (roomId, server) => aclAllows(storage, roomId, server),
    metrics: { polls: metrics.antiEntropyPolls, healed: metrics.antiEntropyHealed, pushed: metrics.antiEntropyPushed },
    logger,
    now,
  });

  // Observe every request from the very front, outside the error middleware, so the status logged is the one sent.
  federation.app.middleware.unshift(requestObserver(metrics, logger), durableResponses(storage));
  // /metrics names every room: on its own listener (metricsListen) without a token, else behind the admin token, else nowhere.
  if (config.metricsListen === undefined && config.adminToken) federation.addPublicRouter(metricsRouter(metrics, { adminToken: config.adminToken }));
  const recover = (roomId: string, recoverOptions: RecoverOptions) => recoverRoom({ serverName, storage, rooms, api, keyRing, logger }, roomId, recoverOptions);
  if (config.adminToken) federation.addPublicRouter(adminRouter({ storage, adminToken: config.adminToken, recover: async (roomId, request) => recoverResultJson(await recover(roomId, request)) }));

  let running: RunningServer | undefined;
  let metricsRunning: RunningServer | undefined;
  const homeserver: Homeserver = {
    serverName,
    config,
    storage,
    rooms,
    keyRing,
    client,
    hostMap,
    sender,
    federation,
    logger,
    metrics,
    antiEntropy,
    api,
    signingKey: () => key,
    recover,
    async start(listen) {
      const [host, port] = splitHostPort(config.listen);
      const tls = config.tlsCert && config.tlsKey ? { cert: readText(config.tlsCert), key: readText(config.tlsKey) } : undefined;
      running = await federation.listen({ host: listen?.host ?? host, port: listen?.port ?? port, ...(tls ? { tls } : {}) });
      if (config.metricsListen !== undefined) {
        const [metricsHost, metricsPort] = splitHostPort(config.metricsListen);
        try {
          metricsRunning = await listenForMetrics(metrics, metricsHost, metricsPort);
        } catch (error) {
          await running.close();
          throw error;
        }
      }
      hostMap.set(serverName, running.url);
      sender.resume();
      antiEntropy.start();
      for (const room of storage.forwardExtremityCounts()) if (room.count > config.maxForwardExtremities) growth.noteRoom(room.roomId);
      logger.info({ url: running.url, serverName }, 'listening');
      return running;
    },
    url() {
      if (!running) throw new Error('homeserver not started');
      return running.url;
    },
    metricsUrl() {
      return metricsRunning?.url;
    },
    async stop() {
      growth.stop();
      await antiEntropy.stop();
      syncNotifier.wakeAll();
      sender.stop();
      client.close();
      if (metricsRunning) await metricsRunning.close();
      if (running) await running.close();
      storage.close();
    },
    load: (dag) => loadDag({ keyRing, rooms }, dag),
    async reset() {
      await sender.idle();
      storage.reset();
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
  };
  const queryDirectory = (server: string, alias: string) => api.queryDirectory(server, alias);
  addClientApi({ serverName, storage, rooms, logger, config, now, notifier: syncNotifier, queryDirectory }, federation, { credentialRateLimit: options.rateLimit === false ? false : DEFAULT_CREDENTIAL_RATE_LIMIT });
  return homeserver;
}

/** Where a local event must go: every server with a joined member, plus an invitee's server. */
function destinationsFor(rooms: RoomService, event: RoomEvent): string[] {
  const servers = new Set(rooms.joinedServers(event.roomId));
  if (event.type === 'm.room.member' && event.stateKey !== undefined) {
    const target = parseUserId(event.stateKey)?.serverName;
    if (target && event.content.membership !== 'invite') servers.add(target);
  }
  return [...servers];
}

/** The per-origin federation limit the config asks for (rate-limit.ts). */
function configuredRateLimit(config: DagmarConfig): FederationRateLimitOptions | false {
  if (!config.federationRateLimit) return false;
  return {
    windowMs: config.rateLimitWindowMs,
    sleepLimit: config.rateLimitSleepLimit,
    sleepDelayMs: config.rateLimitSleepDelayMs,
    rejectLimit: config.rateLimitRejectLimit,
    concurrent: config.rateLimitConcurrent,
  };
}

function splitHostPort(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  return [listen.slice(0, i).replace(/^\[|\]$/g, ''), Number(listen.slice(i + 1))];
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
