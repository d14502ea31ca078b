// MinimalRoom: a room of just a create event and one joined member, plus short-hands for events that name those two as auth events (storage tests persist them without running auth).
import type { RoomEvent } from '../../../src/protocol/room-event';
import { getRoomVersion } from '../../../src/protocol/room-versions';
import { stateKey, StateMap } from '../../../src/protocol/state-map';
import { EventFactory } from '../../../src/testing/event-factory';

export const ALICE = '@alice:test.local';

export class MinimalRoom {
  readonly factory: EventFactory;
  readonly create: RoomEvent;
  readonly join: RoomEvent;
  readonly roomId: string;
  private n = 0;

  constructor(readonly version: string, serverName = 'test.local') {
    const rv = getRoomVersion(version);
    this.factory = new EventFactory({ roomVersion: version, serverName });
    this.create = this.factory.build({
      type: 'm.room.create',
      stateKey: '',
      sender: ALICE,
      content: rv.implicitRoomCreator ? { room_version: version } : { creator: ALICE, room_version: version },
      roomId: rv.roomIdFromCreateEvent ? undefined : `!room${Math.floor(Math.random() * 1e9)}:test.local`,
    });
    this.roomId = this.create.roomId;
    this.join = this.factory.build({ type: 'm.room.member', stateKey: ALICE, sender: ALICE, content: { membership: 'join' }, prevEvents: [this.create], authEvents: this.authFor([this.create]), roomId: this.roomId });
  }

  private authFor(extra: RoomEvent[]): RoomEvent[] {
    // v12 create events are not listed in auth_events; other versions list them.
    return getRoomVersion(this.version).roomIdFromCreateEvent ? extra.filter((e) => e !== this.create) : extra;
  }

  message(prevs: RoomEvent[], body = `m${++this.n}`): RoomEvent {
    return this.factory.build({ type: 'm.room.message', sender: ALICE, content: { msgtype: 'm.text', body }, prevEvents: prevs, authEvents: this.authFor([this.create, this.join]), roomId: this.roomId });
  }

  state(prevs: RoomEvent[], type: string, key: string, content: Record<string, string | number> = { v: ++this.n }): RoomEvent {
    return this.factory.build({ type, stateKey: key, sender: ALICE, content, prevEvents: prevs, authEvents: this.authFor([this.create, this.join]), roomId: this.roomId });
  }

  member(prevs: RoomEvent[], user: string): RoomEvent {
    return this.factory.build({ type: 'm.room.member', stateKey: user, sender: user, content: { membership: 'join' }, prevEvents: prevs, authEvents: this.authFor([this.create, this.join]), roomId: this.roomId });
  }
}

/** The StateMap made of the given state events (later ones win). */
export function stateOf(...events: RoomEvent[]): StateMap {
  const m: StateMap = new Map();
  for (const e of events) if (e.stateKey !== undefined) m.set(stateKey(e.type, e.stateKey), e.eventId);
  return m;
}

export function sorted(m: StateMap): [string, string][] {
  return [...m.entries()].sort();
}
