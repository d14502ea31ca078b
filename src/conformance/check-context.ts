// Everything a check can use: the target over HTTP (client API user, raw requests), the federation peers,
// a fresh joined room per check, the target's extremities read through MSC4370, and event verification.
import { verifyEventSignatures } from '../crypto/event-signing';
import { hasValidContentHash } from '../crypto/event-signing';
import { verifyJson } from '../crypto/sign-json';
import type { JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';
import { toRoomEvent } from '../protocol/room-event';
import type { Pdu } from '../protocol/pdu';
import { CheckFailure, require_, sameSet, short } from './check-failure';
import type { ConformancePeer, PeerCallAnswer, PeerFactory } from './conformance-peer';
import { TargetHttp, truncate, withRateLimitRetry } from './target-http';
import type { TargetUser } from './target-user';

export interface ConformanceTarget {
  url: string;
  serverName: string;
}

export interface CheckContextOptions {
  target: ConformanceTarget;
  http: TargetHttp;
  user: TargetUser;
  peers: PeerFactory;
  /** Server names for the joined peer and the one that never joins anything. */
  peerNames: { member: string; outsider: string };
  strictMsc4370: boolean;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface JoinedRoom {
  roomId: string;
  roomVersion: string;
  /** The peer user's join event, as the target accepted it. */
  join: RoomEvent;
}

export const STABLE_EXTREMITIES = (roomId: string) => `/_matrix/federation/v1/extremities/${encodeURIComponent(roomId)}`;
export const UNSTABLE_EXTREMITIES = (roomId: string) => `/_matrix/federation/unstable/org.matrix.msc4370/extremities/${encodeURIComponent(roomId)}`;

export class CheckContext {
  readonly target: ConformanceTarget;
  readonly http: TargetHttp;
  readonly user: TargetUser;
  readonly strictMsc4370: boolean;
  readonly timeoutMs: number;
  private memberPeer: ConformancePeer | undefined;
  private outsiderPeer: ConformancePeer | undefined;
  private targetKeys: Map<string, string> | undefined;
  private extremitiesPath: ((roomId: string) => string) | undefined;
  private userCounter = 0;
  private readonly roomVersions = new Map<string, string>();

  constructor(private readonly options: CheckContextOptions) {
    this.target = options.target;
    this.http = options.http;
    this.user = options.user;
    this.strictMsc4370 = options.strictMsc4370;
    this.timeoutMs = options.timeoutMs;
  }

  /** The peer that joins the checks' rooms (made on first use). */
  async peer(): Promise<ConformancePeer> {
    this.memberPeer ??= await this.options.peers(this.options.peerNames.member);
    return this.memberPeer;
  }

  /** A second, independent peer that is in no room (for the 403 paths). */
  async outsider(): Promise<ConformancePeer> {
    this.outsiderPeer ??= await this.options.peers(this.options.peerNames.outsider);
    return this.outsiderPeer;
  }

  /** The peers made so far (the outbound checks read what they received). */
  peersSoFar(): ConformancePeer[] {
    return [this.memberPeer, this.outsiderPeer].filter((p): p is ConformancePeer => p !== undefined);
  }

  /** A peer user ID, fresh per call so rooms never share a user's history. */
  async peerUser(): Promise<string> {
    return `@pat${this.userCounter++}:${(await this.peer()).serverName}`;
  }

  /** A public room the target's user creates (remembered with its version). */
  async createRoom(roomVersion: string): Promise<string> {
    const roomId = await this.user.createRoom(roomVersion);
    this.roomVersions.set(roomId, roomVersion);
    return roomId;
  }

  roomVersionOf(roomId: string): string | undefined {
    return this.roomVersions.get(roomId);
  }

  /** A room the target's user creates and the peer joins over federation (make_join + send_join). */
  async room(roomVersion: string): Promise<JoinedRoom & { userId: string }> {
    const roomId = await this.createRoom(roomVersion);
    const peer = await this.peer();
    const userId = await this.peerUser();
    const { event } = await peer.join(roomId, userId);
    return { roomId, roomVersion, join: event, userId };
  }

  /** A signed federation request by `peer` (default: the member peer), 429s retried, logged with -v. */
  async call<T = JsonObject>(method: string, path: string, options: { query?: Record<string, string | number | string[]>; body?: JsonObject; peer?: ConformancePeer } = {}): Promise<PeerCallAnswer<T>> {
    const peer = options.peer ?? (await this.peer());
    const { peer: _unused, ...rest } = options;
    void _unused;
    const query = rest.query ? `?${new URLSearchParams(Object.entries(rest.query).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, String(v)] as [string, string]]))).toString()}` : '';
    this.options.log?.(`→ ${peer.serverName} ${method} ${path}${query}${rest.body ? ` ${truncate(JSON.stringify(rest.body))}` : ''}`);
    const answer = await withRateLimitRetry(() => peer.call<T>(method, path, rest) as Promise<PeerCallAnswer<T> & { body: Record<string, unknown> }>, Date.now() + this.timeoutMs);
    this.options.log?.(`← ${answer.status} ${truncate(JSON.stringify(answer.body))}`);
    return answer;
  }

  /** PUT /send of these PDUs by the member peer; the per-PDU result map (Server-Server API §Transactions). */
  async send(pdus: ReadonlyArray<RoomEvent | JsonObject>): Promise<Record<string, { error?: string }>> {
    const peer = await this.peer();
    this.options.log?.(`→ ${peer.serverName} PUT /send (${pdus.length} PDUs)`);
    const answer = await withRateLimitRetry(() => peer.send(pdus) as Promise<PeerCallAnswer<{ pdus: Record<string, { error?: string }> }> & { body: Record<string, unknown> }>, Date.now() + this.timeoutMs);
    this.options.log?.(`← ${answer.status} ${truncate(JSON.stringify(answer.body))}`);
    require_(answer.status === 200, `/send answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    require_(answer.body && typeof answer.body.pdus === 'object' && answer.body.pdus !== null, '/send answered without a `pdus` map');
    return answer.body.pdus;
  }

  /** Which MSC4370 path to read extremities through: stable when served, else the unstable one. */
  async extremitiesPathFor(roomId: string): Promise<(roomId: string) => string> {
    if (this.extremitiesPath) return this.extremitiesPath;
    const stable = await this.call('GET', STABLE_EXTREMITIES(roomId));
    this.extremitiesPath = stable.status === 200 ? STABLE_EXTREMITIES : UNSTABLE_EXTREMITIES;
    return this.extremitiesPath;
  }

  /** The target's forward extremities, read through MSC4370 (throws CheckFailure on a bad answer). */
  async extremities(roomId: string): Promise<string[]> {
    const path = await this.extremitiesPathFor(roomId);
    const answer = await this.call<{ prev_events?: unknown }>('GET', path(roomId));
    require_(answer.status === 200, `GET ${path(roomId)} answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    const list = answer.body.prev_events;
    require_(Array.isArray(list) && list.every((id) => typeof id === 'string'), `prev_events is not a list of event IDs: ${JSON.stringify(list)}`);
    return list as string[];
  }

  /**
   * Waits (bounded by --timeout) until the target's extremities are exactly `expected`, for targets
   * that take in a transaction asynchronously; the failure names what was seen last.
   */
  async converge(roomId: string, expected: readonly string[], what: string): Promise<string[]> {
    const end = Date.now() + this.timeoutMs;
    let seen = await this.extremities(roomId);
    while (!sameSet(seen, expected)) {
      if (Date.now() > end) throw new CheckFailure(`${what}: expected extremities ${short(expected)}, the target has ${short(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await this.extremities(roomId);
    }
    return seen;
  }

  /** Waits (bounded) for a condition on what the peers received. */
  async until(check: () => boolean, timeoutMs = this.timeoutMs): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /** The target's verify keys from its key server, each checked against the self-signature. */
  async targetVerifyKeys(): Promise<Map<string, string>> {
    if (this.targetKeys) return this.targetKeys;
    const answer = await this.http.request('GET', '/_matrix/key/v2/server');
    require_(answer.status === 200, `GET /_matrix/key/v2/server answered ${answer.status}`);
    const keys = new Map<string, string>();
    const verifyKeys = (answer.body.verify_keys ?? {}) as Record<string, { key?: unknown }>;
    for (const [keyId, entry] of Object.entries(verifyKeys)) {
      if (typeof entry?.key === 'string' && verifyJson(answer.body, this.target.serverName, keyId, entry.key)) keys.set(keyId, entry.key);
    }
    this.targetKeys = keys;
    return keys;
  }

  /**
   * Server-Server API §Checks performed on receipt of a PDU, steps 1–3: valid shape, signatures of
   * every required server (keys of the target and of our peers only), correct content hash, and the
   * event ID it is known by. Returns the problem, or undefined when the PDU is sound.
   */
  async pduProblem(pdu: unknown, roomVersion: string, expectedId?: string): Promise<string | undefined> {
    let event: RoomEvent;
    try {
      event = toRoomEvent(pdu as Pdu, roomVersion);
    } catch (e) {
      return `malformed PDU: ${(e as Error).message}`;
    }
    if (expectedId !== undefined && event.eventId !== expectedId) return `served as ${expectedId} but its ID is ${event.eventId}`;
    if (!hasValidContentHash(pdu as Record<string, unknown>, roomVersion)) return `${event.eventId}: content hash does not match`;
    const keys = await this.targetVerifyKeys();
    const peers = this.peersSoFar();
    const verdict = await verifyEventSignatures(pdu as Record<string, unknown>, roomVersion, (server, keyId) => {
      if (server === this.target.serverName) {
        const key = keys.get(keyId);
        return key ? { publicKey: key } : undefined;
      }
      const peer = peers.find((p) => p.serverName === server && p.key.keyId === keyId);
      return peer ? { publicKey: peer.key.publicKey } : undefined;
    });
    return verdict.ok ? undefined : `${event.eventId}: ${verdict.reason}`;
  }

  async close(): Promise<void> {
    for (const peer of this.peersSoFar()) await peer.stop();
  }
}
