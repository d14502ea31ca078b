// DagGraph: the shared core behind DagBuilder — signs each event, works out whether it is accepted,
// rejected or soft-failed as a homeserver would, and keeps the state and forward extremities per DESIGN §2.
import { checkAuthRules, checkEventAuth, createEventIdForRoom, selectAuthEvents } from '../auth';
import { signEvent } from '../crypto/event-signing';
import { parseUserId } from '../protocol/identifiers';
import { JsonObject } from '../protocol/json';
import { EventReference, Pdu } from '../protocol/pdu';
import { referenceHash } from '../protocol/hashes';
import { redactEvent } from '../protocol/redaction';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { RoomVersion } from '../protocol/room-versions';
import { resolveState } from '../state/resolve-state';
import { stateKey, StateMap } from '../protocol/state-map';
import { ChainedState, StateMaterialiser } from './chained-state';
import { DagServerKey, forgerKeyFor, seededTag, serverKeyFor } from './dag-keys';

/**
 * What a homeserver does with the event (server-server API "Checks performed on receipt of a PDU"):
 * `dropped` fails step 2 (signatures) and is never stored; `rejected` fails steps 4–5; `soft-failed`
 * fails only step 6, the auth check against the current state.
 */
export type DagEventStatus = 'accepted' | 'rejected' | 'soft-failed' | 'dropped';

export interface DagNode {
  /** Every name the event answers to; the first is the one it is shown with. */
  readonly names: string[];
  /** Its first name was generated (`e<index>`), so a branch name may take its place. */
  autoNamed: boolean;
  readonly event: RoomEvent;
  readonly status: DagEventStatus;
  /** Why it is not accepted, naming the auth rule. */
  readonly reason?: string;
  readonly stateBefore: StateMap;
  /** The state after the event: the state before plus the event, unless it was rejected or dropped. */
  readonly stateAfter: StateMap;
  /** The same state, as kept (chained-state.ts). */
  readonly after: ChainedState;
}

export interface DagEventSpec {
  type: string;
  sender: string;
  content: JsonObject;
  stateKey?: string;
  prevEventIds: readonly string[];
  /** Overrides the auth events selection. */
  authEventIds?: readonly string[];
  badSignature?: boolean;
  badHash?: boolean;
}

/** Events in build order (always topological: parents are built before their children). */
export class DagGraph {
  readonly nodes: DagNode[] = [];
  private readonly byId = new Map<string, DagNode>();
  private readonly byName = new Map<string, DagNode>();
  private readonly keys = new Map<string, DagServerKey>();
  private readonly rejectedIds = new Set<string>();
  private forward: string[] = [];
  private current: StateMap = new Map();
  private readonly states = new StateMaterialiser();
  private static readonly EMPTY = ChainedState.root(new Map());
  private nextTs: number;
  roomId: string | undefined;

  constructor(
    readonly rv: RoomVersion,
    readonly seed: string,
    startTs: number,
    readonly servers: readonly string[],
  ) {
    this.nextTs = startTs;
    for (const server of servers) this.keyOf(server);
  }

  keyOf(serverName: string): DagServerKey {
    let key = this.keys.get(serverName);
    if (!key) this.keys.set(serverName, (key = serverKeyFor(this.seed, serverName)));
    return key;
  }

  serverKeys(): Map<string, DagServerKey> {
    return new Map([...this.keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  node(name: string): DagNode {
    const node = this.byName.get(name);
    if (!node) throw new Error(`DagBuilder: no event named ${JSON.stringify(name)}`);
    return node;
  }

  hasName(name: string): boolean {
    return this.byName.has(name);
  }

  nodeById(eventId: string): DagNode | undefined {
    return this.byId.get(eventId);
  }

  /** Another name for the event; it becomes the shown one when the first was generated. */
  addName(node: DagNode, name: string): void {
    if (this.byName.has(name)) throw new Error(`DagBuilder: the name ${JSON.stringify(name)} is taken`);
    if (node.autoNamed) node.names.unshift(name);
    else node.names.push(name);
    node.autoNamed = false;
    this.byName.set(name, node);
  }

  /** The forward extremities, as dagmar serves them: depth descending, then event ID. */
  forwardExtremities(): DagNode[] {
    return this.forward.map((id) => this.byId.get(id)!).sort((a, b) => b.event.depth - a.event.depth || (a.event.eventId < b.event.eventId ? -1 : 1));
  }

  currentState(): StateMap {
    return new Map(this.current);
  }

  /** Signs the event, decides its fate and records it under `name`. */
  async add(spec: DagEventSpec, name: string, autoNamed = false): Promise<DagNode> {
    if (this.byName.has(name)) throw new Error(`DagBuilder: the name ${JSON.stringify(name)} is taken`);
    const rv = this.rv;
    const prevs = spec.prevEventIds.map((id) => this.byId.get(id)!);
    // One parent: its state as it is (resolving one state gives it back); several: a resolved root.
    const before =
      prevs.length === 0 ? DagGraph.EMPTY : prevs.length === 1 ? prevs[0]!.after : ChainedState.root(await this.resolve(prevs.map((p) => this.states.map(p.after))));
    const stateBefore = this.states.map(before);
    const fields = { type: spec.type, sender: spec.sender, stateKey: spec.stateKey, content: spec.content };
    const isCreate = spec.type === 'm.room.create' && spec.stateKey === '';
    // Auth events selection (server-server API "Auth events selection") against the state before the event.
    const authIds = spec.authEventIds ?? selectAuthEvents(fields, stateBefore, rv);
    const server = parseUserId(spec.sender)?.serverName ?? this.servers[0];
    if (server === undefined) throw new Error(`DagBuilder: cannot tell the server of ${spec.sender}`);

    const pdu: Record<string, unknown> = {
      type: spec.type,
      sender: spec.sender,
      content: spec.content,
      prev_events: prevs.map((p) => this.reference(p.event)),
      auth_events: authIds.map((id) => this.reference(this.byId.get(id)!.event)),
      // depth: one more than the deepest parent (server-server API "Depth"); the create event has 1.
      depth: prevs.reduce((d, p) => Math.max(d, p.event.depth + 1), 1),
      origin_server_ts: this.nextTs++,
    };
    if (!(rv.roomIdFromCreateEvent && isCreate)) pdu.room_id = this.roomId ?? (this.roomId = `!${seededTag(this.seed, 'room')}:${server}`);
    if (spec.stateKey !== undefined) pdu.state_key = spec.stateKey;
    if (rv.eventIdFormat === 'server-assigned') pdu.event_id = `$${seededTag(this.seed, pdu.room_id as string, String(this.nodes.length))}:${server}`;
    if (rv.redaction !== 'v11') pdu.origin = server; // v11 dropped the top-level origin field
    const key = spec.badSignature ? forgerKeyFor(this.seed, server) : this.keyOf(server);
    let signed = signEvent(pdu, rv, server, key.keyId, key.seed) as unknown as Pdu;
    // A key the redaction algorithm strips from every event type: the signature and the event ID
    // (both over the redacted form) stay valid, only the content hash breaks.
    if (spec.badHash) signed = { ...signed, content: { ...signed.content, 'org.dagmar.tampered': true } };
    const event = toRoomEvent(signed, rv);
    if (isCreate) this.roomId = event.roomId;
    // A server processes an event whose hash fails in its redacted form (step 3), so judge that form.
    const judged = spec.badHash ? toRoomEvent(redactEvent(signed, rv) as Pdu, rv, { eventId: event.eventId }) : event;

    const { status, reason } = spec.badSignature ? { status: 'dropped' as const, reason: 'signatures: forged' } : this.judge(judged, stateBefore);
    const bad = status === 'rejected' || status === 'dropped';
    const after = bad || event.stateKey === undefined ? before : before.with(stateKey(event.type, event.stateKey), event.eventId);
    const states = this.states;
    const node: DagNode = {
      names: [name],
      autoNamed,
      event,
      status,
      ...(reason !== undefined ? { reason } : {}),
      after,
      get stateBefore() {
        return states.map(before);
      },
      get stateAfter() {
        return states.map(after);
      },
    };
    this.nodes.push(node);
    this.byId.set(event.eventId, node);
    this.byName.set(name, node);
    if (bad) this.rejectedIds.add(event.eventId);
    if (status === 'accepted') await this.advance(node);
    return node;
  }

  /** Checks 4–6 of "Checks performed on receipt of a PDU", as dagmar's ingest pipeline runs them. */
  private judge(event: RoomEvent, stateBefore: StateMap): { status: DagEventStatus; reason?: string } {
    const rv = this.rv;
    const options = { rejectedEventIds: this.rejectedIds };
    const pool = event.authEventIds.map((id) => this.byId.get(id)?.event).filter((e): e is RoomEvent => e !== undefined);
    if (rv.roomIdFromCreateEvent && event.type !== 'm.room.create') {
      const create = this.byId.get(createEventIdForRoom(event.roomId));
      if (create) pool.push(create.event);
    }
    const own = checkEventAuth(event, pool, rv, options);
    if (!own.allowed) return { status: 'rejected', reason: own.reason };
    if (event.type === 'm.room.create') return { status: 'accepted' };
    const before = checkAuthRules(event, this.authState(event, stateBefore), rv, options);
    if (!before.allowed) return { status: 'rejected', reason: `state before the event: ${before.reason}` };
    if (this.current.size > 0) {
      const now = checkAuthRules(event, this.authState(event, this.current), rv, options);
      if (!now.allowed) return { status: 'soft-failed', reason: `current state: ${now.reason}` };
    }
    return { status: 'accepted' };
  }

  /**
   * DESIGN §2 for an accepted event E: E's parents leave the forward set, and so do the accepted
   * events behind a chain of rejected or soft-failed parents; E joins it.
   *
   *     A ← X(soft-failed) ← E      A and X's parents are no longer extremities; E is.
   */
  private async advance(node: DagNode): Promise<void> {
    const covered = new Set<string>();
    const walk = [...node.event.prevEventIds];
    while (walk.length > 0) {
      const id = walk.pop()!;
      if (covered.has(id)) continue;
      covered.add(id);
      const parent = this.byId.get(id);
      if (parent && parent.status !== 'accepted') walk.push(...parent.event.prevEventIds);
    }
    this.forward = [...this.forward.filter((id) => !covered.has(id)), node.event.eventId];
    this.current = await this.resolve(this.forward.map((id) => this.byId.get(id)!.stateAfter));
  }

  /** dagmar's own state resolution over the built events. */
  private resolve(stateSets: StateMap[]): Promise<StateMap> {
    return resolveState(this.rv, stateSets, (id) => this.byId.get(id)?.event, { rejectedEventIds: this.rejectedIds });
  }

  /** The auth state the rules read: the selected auth events from `state` plus the create event. */
  private authState(event: RoomEvent, state: StateMap): Map<string, RoomEvent> {
    const ids = selectAuthEvents({ type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content }, state, this.rv);
    const createId = state.get(stateKey('m.room.create', ''));
    if (createId !== undefined) ids.push(createId);
    const authState = new Map<string, RoomEvent>();
    for (const id of ids) {
      const e = this.byId.get(id)?.event;
      if (e?.stateKey !== undefined) authState.set(stateKey(e.type, e.stateKey), e);
    }
    return authState;
  }

  private reference(event: RoomEvent): EventReference {
    if (!this.rv.referencesAreHashPairs) return event.eventId;
    return [event.eventId, { sha256: referenceHash(event.pdu, this.rv) }];
  }
}
