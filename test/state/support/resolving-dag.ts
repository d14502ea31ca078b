// ResolvingDag: builds a room's events as a DAG from named nodes, computing each event's state with resolveState itself.
import { selectAuthEvents } from '../../../src/auth';
import { JsonObject } from '../../../src/protocol/json';
import { RoomEvent } from '../../../src/protocol/room-event';
import { getRoomVersion, RoomVersion } from '../../../src/protocol/room-versions';
import { resolveState } from '../../../src/state';
import { stateKey, StateMap } from '../../../src/protocol/state-map';
import { EventFactory } from '../../../src/testing/event-factory';

export const ALICE = '@alice:test.local';
export const BOB = '@bob:test.local';
export const CHARLIE = '@charlie:test.local';
export const DAVE = '@dave:test.local';
export const ELLA = '@ella:test.local';
export const ZARA = '@zara:test.local';

export interface NodeSpec {
  type: string;
  sender: string;
  stateKey?: string;
  content?: JsonObject;
  /** Parent node names; the state before this event is the resolution of the states after them. */
  prev: string[];
  /** Overrides the factory's clock. */
  ts?: number;
  /** Auth events by node name, instead of the selection from the state before the event. */
  auth?: string[];
}

/**
 * A room under construction. `add(name, spec)` builds a real signed event whose auth events are selected
 * (server-server "Auth events selection") from the state before it, which is resolved from its parents'
 * states, exactly as a server would compute it; `stateAfter(name)` is S′(E).
 */
export class ResolvingDag {
  readonly rv: RoomVersion;
  readonly factory: EventFactory;
  readonly events = new Map<string, RoomEvent>();
  readonly byName = new Map<string, RoomEvent>();
  private readonly after = new Map<string, StateMap>();
  roomId = '!room:test.local';

  constructor(roomVersion: string) {
    this.rv = getRoomVersion(roomVersion);
    this.factory = new EventFactory({ roomVersion });
  }

  readonly fetch = (id: string): RoomEvent | undefined => this.events.get(id);

  /** Power levels `users` content: in v12 the creator (alice) may not be listed (MSC4289). */
  users(levels: Record<string, number>): JsonObject {
    const copy: JsonObject = { ...levels };
    if (this.rv.privilegedCreators) delete copy[ALICE];
    return copy;
  }

  /** create, alice's join, power levels, public join rules, then bob, charlie and zara join: the usual start. */
  async start(extraUsers: Record<string, number> = {}): Promise<void> {
    const createContent: JsonObject = { room_version: this.rv.id };
    if (!this.rv.implicitRoomCreator) createContent.creator = ALICE;
    await this.add('CREATE', { type: 'm.room.create', sender: ALICE, stateKey: '', content: createContent, prev: [] });
    await this.add('IMA', { type: 'm.room.member', sender: ALICE, stateKey: ALICE, content: { membership: 'join' }, prev: ['CREATE'] });
    await this.add('IPOWER', { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: this.users({ [ALICE]: 100, ...extraUsers }) }, prev: ['IMA'] });
    await this.add('IJR', { type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'public' }, prev: ['IPOWER'] });
    await this.add('IMB', { type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join' }, prev: ['IJR'] });
    await this.add('IMC', { type: 'm.room.member', sender: CHARLIE, stateKey: CHARLIE, content: { membership: 'join' }, prev: ['IMB'] });
    await this.add('IMZ', { type: 'm.room.member', sender: ZARA, stateKey: ZARA, content: { membership: 'join' }, prev: ['IMC'] });
    await this.add('START', { type: 'm.room.message', sender: ZARA, content: { body: 'start' }, prev: ['IMZ'] });
  }

  async stateBefore(prev: readonly string[]): Promise<StateMap> {
    const sets = prev.map((p) => {
      const s = this.after.get(p);
      if (!s) throw new Error(`unknown node ${p}`);
      return s;
    });
    return resolveState(this.rv, sets, this.fetch);
  }

  async add(name: string, spec: NodeSpec): Promise<RoomEvent> {
    const before = await this.stateBefore(spec.prev);
    const fields = { type: spec.type, sender: spec.sender, stateKey: spec.stateKey, content: spec.content ?? {} };
    const authIds = spec.auth ? spec.auth.map((n) => this.node(n).eventId) : selectAuthEvents(fields, before, this.rv);
    const event = this.factory.build({
      ...fields,
      roomId: this.roomId,
      prevEvents: spec.prev.map((p) => this.node(p)),
      authEvents: authIds.map((id) => this.events.get(id)!),
      originServerTs: spec.ts,
    });
    if (event.type === 'm.room.create') this.roomId = event.roomId;
    this.events.set(event.eventId, event);
    this.byName.set(name, event);
    const state = new Map(before);
    if (event.stateKey !== undefined) state.set(stateKey(event.type, event.stateKey), event.eventId);
    this.after.set(name, state);
    return event;
  }

  node(name: string): RoomEvent {
    const e = this.byName.get(name);
    if (!e) throw new Error(`unknown node ${name}`);
    return e;
  }

  id(name: string): string {
    return this.node(name).eventId;
  }

  stateAfter(name: string): StateMap {
    return new Map(this.after.get(name)!);
  }

  /** The state map holding exactly the named events (plus nothing else). */
  stateOf(names: readonly string[]): StateMap {
    const state: StateMap = new Map();
    for (const n of names) {
      const e = this.node(n);
      state.set(stateKey(e.type, e.stateKey!), e.eventId);
    }
    return state;
  }
}
