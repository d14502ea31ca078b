// DagBuilder: a room's DAG built declaratively — named events, forks and merges, deliberately bad
// events — signed for real and judged by dagmar's own auth rules and state resolution.
import type { VerifyKeyLookup } from '../crypto/event-signing';
import { parseUserId } from '../protocol/identifiers';
import { JsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { getRoomVersion } from '../protocol/room-versions';
import { initialPowerLevels, presetState } from '../rooms/room-presets';
import { StateMap } from '../protocol/state-map';
import { dagToDot } from './dag-dot';
import { DagEventSpec, DagEventStatus, DagGraph, DagNode } from './dag-graph';
import { DagServerKey, DEFAULT_DAG_SEED, seededStartTs } from './dag-keys';

export interface DagBuilderOptions {
  /** Any room version, '1' to '12'. */
  roomVersion: string;
  /** Servers whose keys exist from the start (a sender's server is added when first seen). The first one mints the room ID (v1–v11). */
  servers?: readonly string[];
  /** Everything random is derived from it: keys, room ID, v1/v2 event IDs, timestamps. */
  seed?: string;
  /** First origin_server_ts (each event takes the next millisecond); by default derived from the seed. */
  startTs?: number;
}

/** Options every event method takes. Names refer to events built earlier in this DAG. */
export interface DagEventOptions {
  /** The event's name (default `e<index>`). */
  name?: string;
  /** Overrides the method's sender. */
  sender?: string;
  /** Parents by name, instead of the current tip(s). */
  prevEvents?: readonly string[];
  /** auth_events by name, instead of the spec's auth events selection. */
  authEvents?: readonly string[];
  /**
   * An event that fails the authorization rules: it is sent by a user who has never been in the room
   * (`@mallory:<first server>`, or `sender`), and every room version rejects a non-member's event
   * (and a membership change made for someone else by one). The builder checks that it is rejected.
   */
  rejected?: boolean;
  /**
   * An event that passes auth at its own state but not at the current state: the builder first
   * bans the sender (by the room creator) on a branch from the same tips, named `<name>.ban`, then
   * builds this event on those tips. The ban becomes the tip; the event is soft-failed (checked).
   * The sender must be a joined member the creator can ban.
   */
  softFail?: boolean;
  /** Signed with a key other than the one `serverKeys()` lists: fails the signature check. */
  badSignature?: boolean;
  /** Content changed after signing (a key redaction strips): fails the content hash check only. */
  badHash?: boolean;
}

export interface DagEventFields {
  type: string;
  sender: string;
  content?: JsonObject;
  stateKey?: string;
}

export type { DagEventStatus } from './dag-graph';
export type { DagServerKey } from './dag-keys';

type Op = () => Promise<void>;

/** The ops recorded by a builder and its branches, run in order by build(). */
class OpQueue {
  readonly ops: Op[] = [];
  constructor(readonly graph: DagGraph) {}
  /** Known when create() is recorded, so later methods can default their sender to it. */
  creator: string | undefined;
}

/**
 * Builds a room's DAG declaratively, for tests:
 * ```ts
 * const dag = new DagBuilder({ roomVersion: '12', servers: ['a.test'] });
 * dag.create('@alice:a.test')
 *    .join('@bob:a.test')
 *    .fork('left', d => d.state('m.room.topic', '', { topic: 'L' }))
 *    .fork('right', d => d.state('m.room.topic', '', { topic: 'R' }))
 *    .merge('left', 'right', 'M');
 * await dag.build();
 * dag.forwardExtremities().names; // ['M']
 * ```
 * Methods record what to build and return the builder; `await dag.build()` builds it (state
 * resolution is asynchronous), after which the queries answer. Every event is signed by its sender's
 * server with a key derived from the seed, cites the auth events the spec selects from the state
 * before it, and is judged as a homeserver judges it (accepted, rejected, soft-failed, dropped); the
 * state and forward extremities follow DESIGN §2: bad events never enter the forward extremities,
 * rejected ones never enter any state, soft-failed ones never enter the current state.
 *
 * Each builder has a cursor, the tip(s) the next event builds on: an accepted event moves it to
 * itself; a bad event leaves it (a server would not build on it either; name it in `prevEvents` to
 * do so). Events that are bad without being flagged (a fork that bans someone, say) are kept and
 * judged like any other: `status(name)` tells.
 */
export class DagBuilder {
  private readonly queue: OpQueue;
  private readonly options: DagBuilderOptions;
  private tips: string[] = [];
  private lastBuilt: DagNode | undefined;

  /** `queue` is internal: a fork's builder shares its parent's, so that every event goes into one DAG. */
  constructor(options: DagBuilderOptions, queue?: OpQueue) {
    this.options = options;
    const seed = options.seed ?? DEFAULT_DAG_SEED;
    this.queue = queue ?? new OpQueue(new DagGraph(getRoomVersion(options.roomVersion), seed, options.startTs ?? seededStartTs(seed), options.servers ?? []));
  }

  // ---- building -------------------------------------------------------------------------------

  /**
   * The room's first events, as createRoom's `public_chat` preset makes them: create, the creator's
   * join, power levels, join_rules public, history_visibility shared. Named `create`, `creator.join`,
   * `power_levels`, `join_rules`, `history_visibility`.
   */
  create(creator: string, opts: { content?: JsonObject } = {}): this {
    const rv = this.graph.rv;
    this.queue.creator = creator;
    const content: JsonObject = { ...(opts.content ?? {}), room_version: rv.id };
    if (!rv.implicitRoomCreator) content.creator = creator;
    this.event({ type: 'm.room.create', sender: creator, stateKey: '', content }, { name: 'create', prevEvents: [] });
    this.join(creator, { name: 'creator.join' });
    this.state('m.room.power_levels', '', initialPowerLevels(rv, creator, 'public_chat', []), { sender: creator, name: 'power_levels' });
    for (const s of presetState('public_chat')) this.state(s.type, s.stateKey, s.content, { sender: creator, name: s.type.slice('m.room.'.length) });
    return this;
  }

  /** `user` joins (a plain join: the room is public). */
  join(user: string, opts: DagEventOptions = {}): this {
    return this.member(user, user, 'join', opts);
  }

  leave(user: string, opts: DagEventOptions = {}): this {
    return this.member(user, user, 'leave', opts);
  }

  invite(by: string, user: string, opts: DagEventOptions = {}): this {
    return this.member(by, user, 'invite', opts);
  }

  ban(by: string, user: string, opts: DagEventOptions = {}): this {
    return this.member(by, user, 'ban', opts);
  }

  /** A state event, sent by the creator unless `sender` says otherwise. */
  state(type: string, stateKey: string, content: JsonObject, opts: DagEventOptions = {}): this {
    return this.event({ type, stateKey, content, sender: opts.sender ?? this.creator() }, opts);
  }

  /** An m.room.message (a body makes an m.text), sent by the creator unless `sender` says otherwise. */
  message(body: string | JsonObject, opts: DagEventOptions = {}): this {
    const content = typeof body === 'string' ? { msgtype: 'm.text', body } : body;
    return this.event({ type: 'm.room.message', content, sender: opts.sender ?? this.creator() }, opts);
  }

  /** Any event; or, given a name (after build), the built event (`.pdu` is its wire form). */
  event(name: string): RoomEvent;
  event(fields: DagEventFields, opts?: DagEventOptions): this;
  event(fields: DagEventFields | string, opts: DagEventOptions = {}): this | RoomEvent {
    if (typeof fields === 'string') return this.ready().node(fields).event;
    return this.record(() => this.buildEvent(fields, opts));
  }

  /**
   * A branch from the current tip(s): `branch` gets a builder with the same API whose events form
   * the branch; the last of them is also named `name`. This builder's cursor does not move.
   */
  fork(name: string, branch: (d: DagBuilder) => unknown): this {
    const sub = new DagBuilder(this.options, this.queue);
    this.record(async () => {
      sub.tips = [...this.tips];
    });
    branch(sub);
    return this.record(async () => {
      if (!sub.lastBuilt) throw new Error(`DagBuilder: the branch ${JSON.stringify(name)} built no event`);
      this.graph.addName(sub.lastBuilt, name);
    });
  }

  /**
   * An event whose prev_events are the named events (an `org.matrix.dummy_event` from the creator,
   * as servers send to merge forks). The last argument names the merge when no event has that name
   * yet; an options object may come last instead.
   */
  merge(...args: Array<string | DagEventOptions>): this {
    const last = args[args.length - 1];
    const opts: DagEventOptions = typeof last === 'object' ? last : {};
    const names = args.filter((a): a is string => typeof a === 'string');
    return this.record(async () => {
      let mergeName = opts.name;
      if (mergeName === undefined && names.length > 1 && !this.graph.hasName(names[names.length - 1]!)) mergeName = names.pop();
      await this.buildEvent({ type: 'org.matrix.dummy_event', sender: opts.sender ?? this.creator(), content: {} }, { ...opts, name: mergeName, prevEvents: opts.prevEvents ?? names });
    });
  }

  /** Continues from the named event. */
  at(name: string): this {
    return this.record(async () => {
      this.tips = [this.graph.node(name).event.eventId];
    });
  }

  /** Builds everything recorded so far. */
  async build(): Promise<DagBuilder> {
    const ops = this.queue.ops.splice(0);
    for (const op of ops) await op();
    return this;
  }

  // ---- queries (after build) ------------------------------------------------------------------

  get roomId(): string {
    const id = this.ready().roomId;
    if (id === undefined) throw new Error('DagBuilder: no event built yet');
    return id;
  }

  eventId(name: string): string {
    return this.event(name).eventId;
  }

  /** The name an event was built with, from its ID (undefined for an ID not in this DAG). */
  name(eventId: string): string | undefined {
    return this.ready().nodeById(eventId)?.names[0];
  }

  /** How a homeserver judges the event, and why. */
  status(name: string): { status: DagEventStatus; reason?: string } {
    const node = this.ready().node(name);
    return { status: node.status, reason: node.reason };
  }

  /** The state after the event (stateKey(type, state_key) → event ID). */
  stateAt(name: string): StateMap {
    return new Map(this.ready().node(name).stateAfter);
  }

  /** The room's current state: the resolution of the state after each forward extremity. */
  currentState(): StateMap {
    return this.ready().currentState();
  }

  /** The forward extremities (depth descending, then event ID), by name and by ID. */
  forwardExtremities(): { names: string[]; eventIds: string[] } {
    const nodes = this.ready().forwardExtremities();
    return { names: nodes.map((n) => n.names[0]!), eventIds: nodes.map((n) => n.event.eventId) };
  }

  /** Every event, parents before children. */
  events(): RoomEvent[] {
    return this.ready().nodes.map((n) => n.event);
  }

  /** Each server's signing key (serverName → key), to teach a key ring. */
  serverKeys(): Map<string, DagServerKey> {
    return this.ready().serverKeys();
  }

  /** A key lookup over serverKeys(), in the shape checkPdu and verifyEventSignatures take. */
  keyLookup(): VerifyKeyLookup {
    const keys = this.serverKeys();
    return (serverName, keyId) => {
      const key = keys.get(serverName);
      return key && key.keyId === keyId ? { publicKey: key.publicKey, validUntilTs: Number.MAX_SAFE_INTEGER } : undefined;
    };
  }

  /** Graphviz text: names as labels, forward extremities filled gold, rejected/soft-failed dashed and marked. */
  toDot(): string {
    return dagToDot(this.ready());
  }

  // ---- internals ------------------------------------------------------------------------------

  private get graph(): DagGraph {
    return this.queue.graph;
  }

  private ready(): DagGraph {
    if (this.queue.ops.length > 0) throw new Error('DagBuilder: events are still recorded but not built; await dag.build() first');
    return this.graph;
  }

  private record(op: Op): this {
    this.queue.ops.push(op);
    return this;
  }

  private creator(): string {
    const creator = this.queue.creator;
    if (creator === undefined) throw new Error('DagBuilder: create() the room first');
    return creator;
  }

  private member(sender: string, target: string, membership: string, opts: DagEventOptions): this {
    return this.record(() => this.buildEvent({ type: 'm.room.member', sender: opts.sender ?? sender, stateKey: target, content: { membership } }, opts));
  }

  private async buildEvent(fields: DagEventFields, opts: DagEventOptions): Promise<void> {
    const graph = this.graph;
    const name = opts.name ?? `e${graph.nodes.length}`;
    const prevEventIds = opts.prevEvents ? opts.prevEvents.map((n) => graph.node(n).event.eventId) : [...this.tips];
    let sender = opts.sender ?? fields.sender;
    if (opts.rejected && opts.sender === undefined) sender = `@mallory:${graph.servers[0] ?? parseUserId(fields.sender)?.serverName}`;
    const spec: DagEventSpec = {
      type: fields.type,
      sender,
      content: fields.content ?? {},
      stateKey: fields.stateKey,
      prevEventIds,
      authEventIds: opts.authEvents?.map((n) => graph.node(n).event.eventId),
      badSignature: opts.badSignature,
      badHash: opts.badHash,
    };
    let tipsAfter: string[] | undefined;
    if (opts.softFail) {
      // The concurrent ban: same parents, so the event's own state still has the sender joined.
      const ban = await graph.add({ type: 'm.room.member', sender: this.creator(), stateKey: sender, content: { membership: 'ban' }, prevEventIds }, `${name}.ban`);
      if (ban.status !== 'accepted') throw new Error(`DagBuilder: softFail: the creator cannot ban ${sender} (${ban.reason})`);
      tipsAfter = [ban.event.eventId];
    }
    const node = await graph.add(spec, name, opts.name === undefined);
    if (opts.rejected && node.status !== 'rejected') throw new Error(`DagBuilder: ${name} was meant to be rejected but is ${node.status}`);
    if (opts.softFail && node.status !== 'soft-failed') throw new Error(`DagBuilder: ${name} was meant to be soft-failed but is ${node.status} (${node.reason ?? 'passes auth'})`);
    this.lastBuilt = node;
    if (tipsAfter) this.tips = tipsAfter;
    else if (node.status === 'accepted') this.tips = [node.event.eventId];
  }
}
