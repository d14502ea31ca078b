// A hand-driven federation peer for endpoint tests: its own server name and signing key, a key server
// on loopback registered in dagmar's host map, a FederationClient that calls dagmar, an EventFactory
// signing with its key, and the few routes dagmar calls back (/send, /event, /get_missing_events,
// /event_auth) answered from the events the peer knows.
import { Router } from '@koa/router';
import { randomBytes } from 'node:crypto';
import { selectAuthEvents } from '../../../src/auth';
import { signEvent } from '../../../src/crypto/event-signing';
import { signRequest } from '../../../src/federation/x-matrix';
import { InMemoryKeyStore, KeyRing } from '../../../src/crypto/key-ring';
import { SigningKey, signingKeyFromSeed } from '../../../src/crypto/signing-key-file';
import { FederationClient } from '../../../src/federation/client/federation-client';
import { FederationRequestError } from '../../../src/federation/client/federation-request-error';
import { HostMapResolver } from '../../../src/federation/client/server-resolver';
import { createFederationApp } from '../../../src/federation/server/federation-app';
import { RunningServer } from '../../../src/federation/server/listen';
import type { Homeserver } from '../../../src/homeserver';
import { encodeBase64 } from '../../../src/protocol/base64';
import { isJsonObject, JsonObject } from '../../../src/protocol/json';
import { Pdu } from '../../../src/protocol/pdu';
import { RoomEvent, toRoomEvent } from '../../../src/protocol/room-event';
import { getRoomVersion, ROOM_VERSION_IDS } from '../../../src/protocol/room-versions';
import { stateKey, StateMap } from '../../../src/state/state-map';
import { EventFactory } from '../../../src/testing/event-factory';
import { rawRequest, RawResponse } from '../../federation/support/raw-request';

const silent = { error: () => undefined };
let seedCounter = 0;

/** What a call to dagmar answered: the status and JSON body, errors included. */
export interface Answer<T = JsonObject> {
  status: number;
  body: T;
}

/** One room as the peer sees it: its version, the events it knows and the state it builds on. */
export class PeerRoom {
  readonly factory: EventFactory;
  /** State the peer lays its next events on (updated by `build` for state events). */
  readonly state: StateMap = new Map();

  constructor(
    readonly peer: TestPeer,
    readonly roomId: string,
    readonly roomVersion: string,
  ) {
    // A live server's v1/v2 event IDs are its own random choice: a fresh idSeed per PeerRoom keeps two views of one room
    // (a rejoin, the room's creation) from ever naming two events alike.
    this.factory = new EventFactory({ roomVersion, serverName: peer.name, keyId: peer.key.keyId, seed: peer.key.seed, startTs: Date.now(), idSeed: randomBytes(8).toString('hex') });
  }

  /** Records events (e.g. from send_join) as known and, for state events, in the peer's state. */
  learn(events: readonly RoomEvent[], asState = true): void {
    for (const event of events) {
      this.peer.known.set(event.eventId, event);
      if (asState && event.stateKey !== undefined) this.state.set(stateKey(event.type, event.stateKey), event.eventId);
    }
  }

  /**
   * Builds an event signed by the peer on `prevEvents` with auth events selected from `authState`
   * (default the peer's state). The peer knows it (and serves it) from then on; state events
   * update the peer's state unless `keepState`.
   */
  build(fields: { type: string; sender: string; content?: JsonObject; stateKey?: string; prevEvents: readonly RoomEvent[]; authState?: StateMap; extra?: Record<string, unknown>; keepState?: boolean }): RoomEvent {
    const authState = fields.authState ?? this.state;
    const authIds = selectAuthEvents({ type: fields.type, sender: fields.sender, stateKey: fields.stateKey, content: fields.content ?? {} }, authState, this.roomVersion);
    const event = this.factory.build({
      type: fields.type,
      sender: fields.sender,
      content: fields.content ?? {},
      ...(fields.stateKey !== undefined ? { stateKey: fields.stateKey } : {}),
      prevEvents: fields.prevEvents,
      authEvents: authIds.map((id) => this.peer.event(id)),
      roomId: this.roomId,
      ...(fields.extra ? { extra: fields.extra } : {}),
    });
    this.learn([event], !fields.keepState);
    return event;
  }

  /** A plain message on `prevEvents`. */
  message(sender: string, body: string, prevEvents: readonly RoomEvent[]): RoomEvent {
    return this.build({ type: 'm.room.message', sender, content: { msgtype: 'm.text', body }, prevEvents });
  }
}

export class TestPeer {
  readonly key: SigningKey;
  readonly client: FederationClient;
  readonly hostMap = new HostMapResolver({});
  /** Every event the peer has built or learnt, by ID; its routes serve these. */
  readonly known = new Map<string, RoomEvent>();
  /** IDs the peer refuses to serve (to leave gaps dagmar cannot fill). */
  readonly withheld = new Set<string>();
  /** `METHOD path` of each request dagmar made to the peer's DAG routes. */
  readonly requests: string[] = [];
  /** PDUs dagmar pushed to the peer through /send. */
  readonly pushed: JsonObject[] = [];
  /** Routes a test adds to make the peer lie or stall; they answer before the honest ones. */
  readonly overrides = new Router();
  /** Rewrites the JSON text of the peer's answers (to lie in ways JSON.stringify cannot, e.g. `1.0`). */
  rewriteAnswer: ((path: string, text: string) => string) | undefined;
  private running: RunningServer | undefined;

  constructor(readonly name: string) {
    seedCounter++;
    this.key = signingKeyFromSeed(`peer${seedCounter}`, encodeBase64(new Uint8Array(32).fill(100 + seedCounter)));
    this.client = new FederationClient({ serverName: name, signingKey: () => this.key, resolver: this.hostMap, timeoutMs: 10_000 });
  }

  /** Starts the peer's server and wires it and `dagmar` into each other's host maps. */
  async start(dagmar: Homeserver): Promise<this> {
    const keyRing = new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys: (other) => this.client.getServerKeys(other) });
    const fed = createFederationApp({ ownKeys: () => ({ serverName: this.name, signingKeys: [this.key] }), keyRing, logger: silent, rateLimit: false });
    fed.addAuthenticatedRouter(this.overrides);
    fed.addAuthenticatedRouter(this.routes());
    this.running = await fed.listen({ port: 0 });
    this.hostMap.set(dagmar.serverName, dagmar.url());
    dagmar.hostMap.set(this.name, this.running.url);
    return this;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.running?.close();
  }

  event(id: string): RoomEvent {
    const event = this.known.get(id);
    if (!event) throw new Error(`peer ${this.name} does not know ${id}`);
    return event;
  }

  /** Calls dagmar; answers errors as `{status, body}` instead of throwing. */
  async call<T = JsonObject>(destination: string, method: string, path: string, options: { query?: Record<string, string | number | string[]>; body?: JsonObject } = {}): Promise<Answer<T>> {
    try {
      const body = await this.client.requestJson<T>(destination, method, path, options);
      return { status: 200, body };
    } catch (error) {
      if (error instanceof FederationRequestError && error.status !== undefined) return { status: error.status, body: error.body as T };
      throw error;
    }
  }

  /** PUT /send with the given PDUs under a fresh (or given) transaction ID. */
  send(destination: string, pdus: readonly (RoomEvent | JsonObject)[], txnId = `t${randomBytes(6).toString('hex')}`, edus: JsonObject[] = []): Promise<Answer<{ pdus: Record<string, { error?: string }> }>> {
    const raw = pdus.map((p) => ('pdu' in p && 'eventId' in p ? (p as RoomEvent).pdu : p) as unknown as JsonObject);
    return this.call(destination, 'PUT', `/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`, { body: { origin: this.name, origin_server_ts: Date.now(), pdus: raw, edus } });
  }

  /**
   * Joins `userId` to a room on `resident` by hand: make_join (with every version we know), sign the
   * template, v2 send_join; learns the returned state, auth chain and join event.
   */
  async join(resident: string, roomId: string, userId: string): Promise<{ room: PeerRoom; join: RoomEvent; answer: JsonObject }> {
    const made = await this.call(resident, 'GET', `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`, { query: { ver: [...ROOM_VERSION_IDS] } });
    if (made.status !== 200) throw new Error(`make_join: ${made.status} ${JSON.stringify(made.body)}`);
    const version = String(made.body.room_version);
    const join = this.signTemplate(made.body.event as JsonObject, version);
    const sent = await this.call(resident, 'PUT', `/_matrix/federation/v2/send_join/${encodeURIComponent(roomId)}/${encodeURIComponent(join.eventId)}`, { body: join.pdu as unknown as JsonObject });
    if (sent.status !== 200) throw new Error(`send_join: ${sent.status} ${JSON.stringify(sent.body)}`);
    const room = new PeerRoom(this, roomId, version);
    const parse = (raws: unknown) => (Array.isArray(raws) ? raws : []).map((raw) => toRoomEvent(raw as Pdu, version));
    room.learn(parse(sent.body.auth_chain), false);
    room.learn(parse(sent.body.state));
    room.learn([join]);
    return { room, join, answer: sent.body };
  }

  /** The X-Matrix header this peer would send for a request (to replay or tamper with). */
  authorization(destination: string, method: string, uri: string, content?: JsonObject): string {
    return signRequest({ method, uri, origin: this.name, destination, ...(content !== undefined ? { content } : {}) }, this.key.keyId, this.key.seed);
  }

  /** Sends `body` (any bytes) to dagmar with the given headers, bypassing the client's encoding. */
  raw(dagmar: Homeserver, method: string, uri: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    return rawRequest(dagmar.url(), method, uri, { headers: { 'Content-Type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) });
  }

  /**
   * A room of the peer's own that dagmar has never seen: create, the creator's join and power levels
   * (in v12 the room ID is the create event's hash). Returns the room and its latest event.
   */
  createOwnRoom(creator: string, version: string): { room: PeerRoom; tip: RoomEvent } {
    const rv = getRoomVersion(version);
    const factory = new EventFactory({ roomVersion: version, serverName: this.name, keyId: this.key.keyId, seed: this.key.seed, startTs: Date.now(), idSeed: randomBytes(8).toString('hex') });
    const create = factory.build({
      type: 'm.room.create',
      sender: creator,
      stateKey: '',
      content: rv.implicitRoomCreator ? { room_version: version } : { creator, room_version: version },
      ...(rv.roomIdFromCreateEvent ? {} : { roomId: `!${randomBytes(9).toString('hex')}:${this.name}` }),
    });
    const room = new PeerRoom(this, create.roomId, version);
    room.learn([create]);
    const join = room.build({ type: 'm.room.member', sender: creator, stateKey: creator, content: { membership: 'join' }, prevEvents: [create] });
    const tip = room.build({ type: 'm.room.power_levels', sender: creator, stateKey: '', content: { users: { [creator]: 100 } }, prevEvents: [join] });
    return { room, tip };
  }

  /**
   * Fills in and signs a make_join/make_leave template as the joining server does; `validate: false`
   * signs even what breaks the PDU rules (to test that dagmar refuses it).
   */
  signTemplate(template: JsonObject, version: string, options: { validate?: boolean } = {}): RoomEvent {
    const rv = getRoomVersion(version);
    const skeleton: Record<string, unknown> = { ...template, origin_server_ts: Date.now() };
    delete skeleton.hashes;
    delete skeleton.signatures;
    if (rv.eventIdFormat === 'server-assigned') skeleton.event_id = `$${randomBytes(9).toString('base64url')}:${this.name}`;
    if (rv.redaction !== 'v11') skeleton.origin = this.name;
    const event = toRoomEvent(signEvent(skeleton, rv, this.name, this.key.keyId, this.key.seed) as unknown as Pdu, rv, { validate: options.validate !== false });
    this.known.set(event.eventId, event);
    return event;
  }

  /** The routes dagmar calls on a peer while taking its PDUs in. */
  private routes(): Router {
    const router = new Router();
    router.use(async (ctx, next) => {
      await next();
      if (this.rewriteAnswer && isJsonObject(ctx.body)) {
        ctx.body = this.rewriteAnswer(ctx.path, JSON.stringify(ctx.body));
        ctx.type = 'application/json';
      }
    });
    const serve = (id: string): RoomEvent | undefined => (this.withheld.has(id) ? undefined : this.known.get(id));
    router.put('/_matrix/federation/v1/send/:txnId', (ctx) => {
      const body = ctx.request.body;
      if (isJsonObject(body) && Array.isArray(body.pdus)) for (const pdu of body.pdus) if (isJsonObject(pdu)) this.pushed.push(pdu);
      ctx.body = { pdus: {} };
    });
    router.get('/_matrix/federation/v1/event/:eventId', (ctx) => {
      this.requests.push(`GET /event/${ctx.params.eventId}`);
      const event = serve(ctx.params.eventId ?? '');
      if (!event) {
        ctx.status = 404;
        ctx.body = { errcode: 'M_NOT_FOUND', error: 'unknown event' };
        return;
      }
      ctx.body = { origin: this.name, origin_server_ts: Date.now(), pdus: [event.pdu] };
    });
    router.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
      this.requests.push(`POST /get_missing_events/${ctx.params.roomId}`);
      const body = ctx.request.body ?? {};
      const earliest = new Set(Array.isArray(body.earliest_events) ? (body.earliest_events as string[]) : []);
      const limit = typeof body.limit === 'number' ? body.limit : 10;
      // Walk back from latest_events (excluded) through prev_events until earliest_events or unknown.
      const found = new Map<string, RoomEvent>();
      const queue = (Array.isArray(body.latest_events) ? (body.latest_events as string[]) : []).flatMap((id) => serve(id)?.prevEventIds ?? []);
      while (queue.length > 0 && found.size < limit) {
        const id = queue.shift()!;
        const event = serve(id);
        if (earliest.has(id) || found.has(id) || !event) continue;
        found.set(id, event);
        queue.push(...event.prevEventIds);
      }
      ctx.body = { events: [...found.values()].sort((a, b) => a.depth - b.depth).map((e) => e.pdu) };
    });
    router.get('/_matrix/federation/v1/event_auth/:roomId/:eventId', (ctx) => {
      this.requests.push(`GET /event_auth/${ctx.params.eventId}`);
      const chain = new Map<string, RoomEvent>();
      const queue = [...(serve(ctx.params.eventId ?? '')?.authEventIds ?? [])];
      while (queue.length > 0) {
        const event = serve(queue.shift()!);
        if (!event || chain.has(event.eventId)) continue;
        chain.set(event.eventId, event);
        queue.push(...event.authEventIds);
      }
      ctx.body = { auth_chain: [...chain.values()].map((e) => e.pdu) };
    });
    return router;
  }
}
