// State snapshots: shared by messages, deltas for state events, bounded chains, derived and explicit current state.
import { ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import type { Storage } from '../../src/storage';
import type Database from 'better-sqlite3';
import { openStorageWithHandle, rowCount } from './support/storage-with-handle';
import { fenwickParentSeq } from '../../src/storage/state-snapshots-repository';
import { MinimalRoom, sorted, stateOf } from './support/minimal-room';
import type { RoomEvent } from '../../src/protocol/room-event';


test('fenwickParentSeq clears the lowest set bit', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 12, 2 ** 40 + 2 ** 20].map(fenwickParentSeq)).toEqual([0, 0, 2, 0, 4, 4, 6, 0, 8, 2 ** 40]);
});

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  let s: Storage;
  let db: Database.Database;
  let dag: MinimalRoom;
  beforeEach(() => {
    ({ storage: s, db } = openStorageWithHandle());
    dag = new MinimalRoom(version);
    s.persistEvents([{ event: dag.create }, { event: dag.join }]);
  });
  afterEach(() => {
    expect(s.verifyRoom(dag.roomId).problems).toEqual([]);
    s.close();
  });

  test('state before/after and current state follow the events', () => {
    expect(s.getStateBefore(dag.create.eventId)).toEqual(new Map());
    expect(s.getStateAfter(dag.create.eventId)).toEqual(stateOf(dag.create));
    const topic = dag.state([dag.join], 'm.room.topic', '');
    const msg = dag.message([topic]);
    s.persistEvents([{ event: topic }, { event: msg }]);
    expect(s.getStateBefore(topic.eventId)).toEqual(stateOf(dag.create, dag.join));
    expect(s.getStateAfter(topic.eventId)).toEqual(stateOf(dag.create, dag.join, topic));
    expect(s.getStateBefore(msg.eventId)).toEqual(s.getStateAfter(msg.eventId));
    expect(sorted(s.getCurrentState(dag.roomId))).toEqual(sorted(stateOf(dag.create, dag.join, topic)));
  });

  test('a message event stores no snapshot rows; a state event stores a delta', () => {
    const entries = rowCount(db, 'state_snapshot_entries');
    const snaps = rowCount(db, 'state_snapshots');
    let prev: RoomEvent = dag.join;
    for (let i = 0; i < 5; i++) {
      prev = dag.message([prev]);
      s.persistEvents([{ event: prev }]);
    }
    expect([rowCount(db, 'state_snapshots'), rowCount(db, 'state_snapshot_entries')]).toEqual([snaps, entries]);
    s.persistEvents([{ event: dag.state([prev], 'm.room.topic', '') }]);
    expect(rowCount(db, 'state_snapshots')).toBe(snaps + 1);
    expect(rowCount(db, 'state_snapshot_entries') - entries).toBeLessThanOrEqual(3);
  });

  test('stateBefore is required when prev events are missing, and reused when it matches a parent', () => {
    const a = dag.message([dag.join]);
    const b = dag.message([a]);
    expect(() => s.persistEvents([{ event: b }])).toThrow(/stateBefore is required/);
    const snaps = rowCount(db, 'state_snapshots');
    s.persistEvents([{ event: a }, { event: b, stateBefore: stateOf(dag.create, dag.join) }]);
    expect(rowCount(db, 'state_snapshots')).toBe(snaps); // same state as a's: the snapshot is shared
  });

  test('an explicit stateBefore with removals and replacements is stored exactly', () => {
    const t1 = dag.state([dag.join], 'm.room.topic', '');
    const n1 = dag.state([t1], 'm.room.name', '');
    s.persistEvents([{ event: t1 }, { event: n1 }]);
    const t2 = dag.state([dag.join], 'm.room.topic', '');
    s.persistEvents([{ event: t2 }], { currentState: new Map([[dag.roomId, stateOf(dag.create, dag.join, t2, n1)]]) });
    const merged = dag.message([n1, t2]);
    const given = stateOf(dag.create, dag.join, t2); // the resolution dropped the name
    s.persistEvents([{ event: merged, stateBefore: given }]);
    expect(sorted(s.getStateBefore(merged.eventId))).toEqual(sorted(given));
    expect(sorted(s.getCurrentState(dag.roomId))).toEqual(sorted(given));
  });

  test('many state events keep chains logarithmic and every snapshot exact', () => {
    let prev: RoomEvent = dag.join;
    const members: RoomEvent[] = [];
    for (let i = 0; i < 150; i++) {
      prev = i % 3 === 2 ? dag.state([prev], 'm.room.topic', '') : dag.member([prev], `@u${i}:test.local`);
      if (prev.type === 'm.room.member') members.push(prev);
      s.persistEvents([{ event: prev }]);
    }
    const chainLengths = db
      .prepare('SELECT seq FROM state_snapshots')
      .all()
      .map((r) => (r as { seq: number }).seq.toString(2).replace(/0/g, '').length);
    expect(Math.max(...chainLengths)).toBeLessThanOrEqual(8); // popcount(seq ≤ 152)
    expect(rowCount(db, 'state_snapshot_entries')).toBeLessThan(152 * 6);
    const after = s.getStateAfter(prev.eventId);
    expect(after.size).toBe(2 + members.length + 1);
    expect(sorted(s.getCurrentState(dag.roomId))).toEqual(sorted(after));
  });
});

test('a 2,000-member room: a message costs no state rows; state reads stay exact', () => {
  const { storage: s, db } = openStorageWithHandle();
  const dag = new MinimalRoom('10');
  s.persistEvents([{ event: dag.create }, { event: dag.join }]);
  let prev: RoomEvent = dag.join;
  const batch = [];
  for (let i = 0; i < 2000; i++) {
    prev = dag.member([prev], `@m${i}:test.local`);
    batch.push({ event: prev });
  }
  s.persistEvents(batch);
  const entries = rowCount(db, 'state_snapshot_entries');
  expect(entries).toBeLessThan(2000 * 8);
  const msg = dag.message([prev]);
  s.persistEvents([{ event: msg }]);
  expect(rowCount(db, 'state_snapshot_entries')).toBe(entries);
  expect(s.getStateBefore(msg.eventId).size).toBe(2002);
  expect(s.getCurrentState(dag.roomId).size).toBe(2002);
  expect(s.verifyRoom(dag.roomId).ok).toBe(true);
  s.close();
});
