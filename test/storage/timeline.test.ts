// The client-visible timeline walked by positions that name events (never nids): topological order,
// both directions, bounds, what clients must not see, tokens from another room; and pending outlier invites.
import { openStorage, Storage, TimelinePosition } from '../../src/storage';
import type { RoomEvent } from '../../src/protocol/room-event';
import { MinimalRoom } from './support/minimal-room';

let s: Storage;
let dag: MinimalRoom;
let a: RoomEvent;
let b1: RoomEvent;
let b2: RoomEvent;
let m: RoomEvent;
let soft: RoomEvent;
let rejected: RoomEvent;
let outlier: RoomEvent;

beforeEach(() => {
  s = openStorage(':memory:');
  dag = new MinimalRoom('10');
  //   create ← join ← a ← b1 ← m        b1 and b2 share a depth: arrival order decides,
  //                     ↖ b2 ↙          and a position names the gap on either side of each.
  //   soft (soft-failed), rejected: stored, never shown; outlier: no place in the timeline.
  a = dag.message([dag.join], 'a');
  b1 = dag.message([a], 'b1');
  b2 = dag.message([a], 'b2');
  m = dag.message([b1, b2], 'm');
  soft = dag.message([m], 'soft');
  rejected = dag.message([m], 'rejected');
  outlier = dag.message([m], 'outlier');
  s.persistEvents([dag.create, dag.join, a, b1, b2, m].map((event) => ({ event })));
  s.persistEvents([{ event: soft, softFailed: true }, { event: rejected, rejectedReason: 'auth' }, { event: outlier, outlier: true }]);
});
afterEach(() => s.close());

const ids = (events: RoomEvent[]) => events.map((e) => e.eventId);
const after = (e: RoomEvent): TimelinePosition => ({ at: 'after', eventId: e.eventId });
const before = (e: RoomEvent): TimelinePosition => ({ at: 'before', eventId: e.eventId });

test('backwards from the end: newest first, only what clients may see', () => {
  expect(s.timelinePage(dag.roomId, 'b', { at: 'end' }, undefined, 50)).toEqual(ids([m, b2, b1, a, dag.join, dag.create]));
  expect(s.timelinePage(dag.roomId, 'f', { at: 'start' }, undefined, 50)).toEqual(ids([dag.create, dag.join, a, b1, b2, m]));
});

test('before and after an event are the gaps on either side of it, also between events of one depth', () => {
  expect(s.timelinePage(dag.roomId, 'b', before(b2), undefined, 50)).toEqual(ids([b1, a, dag.join, dag.create]));
  expect(s.timelinePage(dag.roomId, 'b', after(b2), undefined, 2)).toEqual(ids([b2, b1]));
  expect(s.timelinePage(dag.roomId, 'f', after(b1), undefined, 50)).toEqual(ids([b2, m]));
  expect(s.timelinePage(dag.roomId, 'f', before(b1), undefined, 1)).toEqual(ids([b1]));
});

test('`to` bounds the walk on the far side', () => {
  expect(s.timelinePage(dag.roomId, 'b', { at: 'end' }, after(a), 50)).toEqual(ids([m, b2, b1]));
  expect(s.timelinePage(dag.roomId, 'f', after(a), after(b2), 50)).toEqual(ids([b1, b2]));
  expect(s.timelinePage(dag.roomId, 'f', { at: 'start' }, before(a), 50)).toEqual(ids([dag.create, dag.join]));
});

test('paging by "before the last shown" visits every event once', () => {
  const seen: string[] = [];
  let from: TimelinePosition = { at: 'end' };
  for (;;) {
    const page = s.timelinePage(dag.roomId, 'b', from, undefined, 2) as string[];
    if (page.length === 0) break;
    seen.push(...page);
    from = { at: 'before', eventId: page[page.length - 1] };
  }
  expect(seen).toEqual(ids([m, b2, b1, a, dag.join, dag.create]));
});

test('a position naming no event of this room is refused; an unknown room has an empty timeline', () => {
  const other = new MinimalRoom('10');
  s.persistEvents([{ event: other.create }, { event: other.join }]);
  expect(s.timelinePage(dag.roomId, 'b', after(other.join), undefined, 10)).toBeUndefined();
  expect(s.timelinePage(dag.roomId, 'f', { at: 'start' }, before(other.join), 10)).toBeUndefined();
  expect(s.timelinePage(dag.roomId, 'b', { at: 'after', eventId: '$never-seen' }, undefined, 10)).toBeUndefined();
  expect(s.timelinePage('!unknown:test.local', 'b', { at: 'end' }, undefined, 10)).toEqual([]);
});

test('the newest outlier membership of a user is found; graph members are not', () => {
  const invitee = '@bob:elsewhere';
  const first = dag.factory.build({ type: 'm.room.member', stateKey: invitee, sender: dag.join.sender, content: { membership: 'invite' }, prevEvents: [m], authEvents: [dag.create, dag.join], roomId: dag.roomId });
  const second = dag.factory.build({ type: 'm.room.member', stateKey: invitee, sender: dag.join.sender, content: { membership: 'invite', reason: 'again' }, prevEvents: [m], authEvents: [dag.create, dag.join], roomId: dag.roomId });
  expect(s.getLatestOutlierMembership(dag.roomId, invitee)).toBeUndefined();
  s.persistEvents([{ event: first, outlier: true }]);
  s.persistEvents([{ event: second, outlier: true }]);
  expect(s.getLatestOutlierMembership(dag.roomId, invitee)?.event.eventId).toBe(second.eventId);
  expect(s.getLatestOutlierMembership(dag.roomId, dag.join.sender)).toBeUndefined(); // a graph event, not an outlier
  expect(s.getLatestOutlierMembership('!unknown:test.local', invitee)).toBeUndefined();
});
