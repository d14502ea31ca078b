// Whole-room reads for operators through storage's own methods: the room list with sizes, forward
// extremities per room, and one room's events with flags and both kinds of edges.
import { openStorage, Storage } from '../../src/storage';
import { MinimalRoom } from './support/minimal-room';

let s: Storage;
beforeEach(() => {
  s = openStorage(':memory:');
});
afterEach(() => s.close());

test('rooms are listed by room ID with their event and extremity counts; outlier-only rooms have no extremities', () => {
  const forked = new MinimalRoom('10');
  const a = forked.message([forked.join]);
  const b = forked.message([forked.join]);
  s.persistEvents([forked.create, forked.join, a, b].map((event) => ({ event })));
  const outliers = new MinimalRoom('10');
  s.persistEvents([{ event: outliers.create, outlier: true }]);
  const expected = [
    { roomId: forked.roomId, roomVersion: '10', events: 4, forwardExtremities: 2 },
    { roomId: outliers.roomId, roomVersion: '10', events: 1, forwardExtremities: 0 },
  ].sort((x, y) => (x.roomId < y.roomId ? -1 : 1));
  expect(s.listRooms()).toEqual(expected);
  expect(s.forwardExtremityCounts()).toEqual(expected.map((r) => ({ roomId: r.roomId, count: r.forwardExtremities })));
});

test("a room's graph: events by depth with flags and times, prev and auth edges sorted; unknown room undefined", () => {
  const dag = new MinimalRoom('10');
  const a = dag.message([dag.join]);
  const soft = dag.message([a]);
  s.persistEvents([{ event: dag.create, receivedTs: 5 }, { event: dag.join }, { event: a }]);
  s.persistEvents([{ event: soft, softFailed: true }]);
  const graph = s.getRoomGraph(dag.roomId)!;
  expect(graph.roomVersion).toBe('10');
  expect(graph.events.map((e) => e.eventId)).toEqual([dag.create, dag.join, a, soft].map((e) => e.eventId));
  expect(graph.events[0]).toEqual({
    eventId: dag.create.eventId, type: 'm.room.create', stateKey: '', sender: dag.create.sender, depth: dag.create.depth,
    originServerTs: dag.create.originServerTs, receivedTs: 5, outlier: false, softFailed: false, rejectedReason: undefined,
  });
  expect(graph.events[3]).toMatchObject({ softFailed: true, stateKey: undefined });
  expect(graph.prevEdges).toEqual(
    [
      { child: dag.join.eventId, parent: dag.create.eventId },
      { child: a.eventId, parent: dag.join.eventId },
      { child: soft.eventId, parent: a.eventId },
    ].sort((x, y) => (x.child < y.child ? -1 : 1)),
  );
  expect(graph.authEdges.filter((e) => e.child === a.eventId).map((e) => e.parent)).toEqual([dag.create.eventId, dag.join.eventId].sort());
  expect(s.getRoomGraph('!unknown:test.local')).toBeUndefined();
});
