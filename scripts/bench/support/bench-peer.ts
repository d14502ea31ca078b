// A minimal federation peer for benchmarks: its own key and key server on loopback, joined to a dagmar room by make_join/send_join.
import http from 'node:http';
import { Router } from '@koa/router';
import { randomBytes } from 'node:crypto';
import { signEvent } from '../../../src/crypto/event-signing';
import { InMemoryKeyStore, KeyRing } from '../../../src/crypto/key-ring';
import { SigningKey, signingKeyFromSeed } from '../../../src/crypto/signing-key-file';
import { FederationApi } from '../../../src/federation/client/federation-api';
import { FederationClient } from '../../../src/federation/client/federation-client';
import { HostMapResolver } from '../../../src/federation/client/server-resolver';
import { createFederationApp } from '../../../src/federation/server/federation-app';
import type { RunningServer } from '../../../src/http/listen';
import { signRequest } from '../../../src/federation/x-matrix';
import type { Homeserver } from '../../../src/homeserver';
import { encodeBase64 } from '../../../src/protocol/base64';
import type { JsonObject } from '../../../src/protocol/json';
import type { Pdu } from '../../../src/protocol/pdu';
import { RoomEvent, toRoomEvent } from '../../../src/protocol/room-event';
import { getRoomVersion } from '../../../src/protocol/room-versions';

const silent = { error: () => undefined };

/** What the peer learnt by joining: the room version, its join event and the room state (by state key) it was given. */
export interface JoinedRoom {
  roomVersion: string;
  join: RoomEvent;
  /** The room state send_join returned, plus the join itself, keyed by `${type}|${stateKey}`. */
  state: Map<string, RoomEvent>;
}

export class BenchPeer {
  readonly key: SigningKey;
  readonly hostMap = new HostMapResolver({});
  readonly client: FederationClient;
  private running: RunningServer | undefined;

  constructor(readonly name: string, seedByte = 77) {
    this.key = signingKeyFromSeed('bench', encodeBase64(new Uint8Array(32).fill(seedByte)));
    this.client = new FederationClient({ serverName: name, signingKey: () => this.key, resolver: this.hostMap, timeoutMs: 30_000 });
  }

  get url(): string {
    if (!this.running) throw new Error('peer not started');
    return this.running.url;
  }

  /** Serves the peer's keys (and a no-op /send) and wires the peer and `dagmar` into each other's host maps. */
  async start(dagmar: Homeserver): Promise<this> {
    const keysApi = new FederationApi(this.client);
    const keyRing = new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys: (other) => keysApi.getServerKeys(other) });
    const fed = createFederationApp({ ownKeys: () => ({ serverName: this.name, signingKeys: [this.key] }), keyRing, logger: silent, rateLimit: false });
    const router = new Router();
    router.put('/_matrix/federation/v1/send/:txnId', (ctx) => {
      ctx.body = { pdus: {} };
    });
    fed.addAuthenticatedRouter(router);
    this.running = await fed.listen({ port: 0 });
    this.hostMap.set(dagmar.serverName, dagmar.url());
    dagmar.hostMap.set(this.name, this.running.url);
    return this;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.running?.close();
  }

  /** make_join + v2 send_join for `userId`; throws on any non-200. */
  async join(destination: string, roomId: string, userId: string): Promise<JoinedRoom> {
    const made = await this.client.requestJson(destination, 'GET', `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`, { query: { ver: ['10', '11'] } });
    const roomVersion = String(made.room_version);
    const rv = getRoomVersion(roomVersion);
    const skeleton: Record<string, unknown> = { ...(made.event as JsonObject), origin_server_ts: Date.now() };
    delete skeleton.hashes;
    delete skeleton.signatures;
    if (rv.eventIdFormat === 'server-assigned') skeleton.event_id = `$${randomBytes(9).toString('base64url')}:${this.name}`;
    if (rv.redaction !== 'v11') skeleton.origin = this.name;
    const join = toRoomEvent(signEvent(skeleton, rv, this.name, this.key.keyId, this.key.seed) as unknown as Pdu, rv);
    const sent = await this.client.requestJson(destination, 'PUT', `/_matrix/federation/v2/send_join/${encodeURIComponent(roomId)}/${encodeURIComponent(join.eventId)}`, {
      body: join.pdu as unknown as JsonObject,
    });
    const state = new Map<string, RoomEvent>();
    for (const raw of Array.isArray(sent.state) ? sent.state : []) {
      const event = toRoomEvent(raw as unknown as Pdu, rv);
      if (event.stateKey !== undefined) state.set(`${event.type}|${event.stateKey}`, event);
    }
    state.set(`m.room.member|${userId}`, join);
    return { roomVersion, join, state };
  }

  /** The X-Matrix header for one request (signatures cover no timestamp, so a header may be reused). */
  authorization(destination: string, method: string, uri: string, content?: JsonObject): string {
    return signRequest({ method, uri, origin: this.name, destination, ...(content !== undefined ? { content } : {}) }, this.key.keyId, this.key.seed);
  }
}

export interface RawAnswer {
  status: number;
  body: string;
}

/** One HTTP request over a keep-alive agent with headers given verbatim (no per-request signing cost). */
export function rawRequest(agent: http.Agent, baseUrl: string, method: string, path: string, headers: Record<string, string>, payload?: Buffer): Promise<RawAnswer> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, method, host: base.hostname, port: base.port, path, headers: payload ? { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Latency percentile (0–100) of a list of milliseconds, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
