// Forward/backward extremities through forks, merges, out-of-order arrival, outliers and soft-failed chains.
import { ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import type Database from 'better-sqlite3';
import type { Storage } from '../../src/storage';
import { openStorageWithHandle, rowCount } from './support/storage-with-handle';
import { MinimalRoom, stateOf } from './support/minimal-room';

const ids = (s: Storage, roomId: string): string[] => s.getForwardExtremities(roomId).map((e) => e.eventId).sort();

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
    const v = s.verifyRoom(dag.roomId);
    expect(v.problems).toEqual([]);
    s.close();
  });

  test('a linear chain has one extremity, the newest event', () => {
    const a = dag.message([dag.join]);
    const b = dag.message([a]);
    s.persistEvents([{ event: a }]);
    s.persistEvents([{ event: b }]);
    expect(s.getForwardExtremities(dag.roomId)).toEqual([{ eventId: b.eventId, depth: b.depth }]);
    expect(s.getBackwardExtremities(dag.roomId)).toEqual([]);
  });

  test('a fork keeps both tips, ordered by depth then ID; a merge joins them', () => {
    const a = dag.message([dag.join]);
    const b = dag.message([a]);
    const c = dag.message([dag.join]);
    s.persistEvents([{ event: a }, { event: b }]);
    s.persistEvents([{ event: c }]); // same state after as b: current state still unambiguous
    expect(s.getForwardExtremities(dag.roomId)).toEqual([
      { eventId: b.eventId, depth: b.depth },
      { eventId: c.eventId, depth: c.depth },
    ]);
    expect(s.getForwardExtremities(dag.roomId, 1)).toEqual([{ eventId: b.eventId, depth: b.depth }]);
    const m = dag.message([b, c]);
    s.persistEvents([{ event: m }]);
    expect(ids(s, dag.roomId)).toEqual([m.eventId]);
  });

  test('equal depths are ordered by event ID', () => {
    const tips = [dag.message([dag.join]), dag.message([dag.join]), dag.message([dag.join])];
    s.persistEvents(tips.map((event) => ({ event })));
    expect(s.getForwardExtremities(dag.roomId).map((e) => e.eventId)).toEqual(tips.map((t) => t.eventId).sort());
  });

  test('a state fork needs the resolved current state, and keeps it', () => {
    const t1 = dag.state([dag.join], 'm.room.topic', '');
    const t2 = dag.state([dag.join], 'm.room.topic', '');
    s.persistEvents([{ event: t1 }]);
    expect(() => s.persistEvents([{ event: t2 }])).toThrow(/currentState/);
    expect(s.getEvent(t2.eventId)).toBeUndefined();
    s.persistEvents([{ event: t2 }], { currentState: new Map([[dag.roomId, stateOf(dag.create, dag.join, t2)]]) });
    expect(ids(s, dag.roomId)).toEqual([t1.eventId, t2.eventId].sort());
    expect(s.getCurrentState(dag.roomId)).toEqual(stateOf(dag.create, dag.join, t2));
  });

  test('child before parent, across calls: the parent never becomes an extremity', () => {
    const a = dag.message([dag.join]);
    const b = dag.message([a]);
    s.persistEvents([{ event: b, stateBefore: stateOf(dag.create, dag.join) }], { currentState: new Map([[dag.roomId, stateOf(dag.create, dag.join)]]) });
    expect(s.getBackwardExtremities(dag.roomId)).toEqual([a.eventId]);
    expect(ids(s, dag.roomId)).toEqual([dag.join.eventId, b.eventId].sort());
    s.persistEvents([{ event: a }]);
    expect(ids(s, dag.roomId)).toEqual([b.eventId]);
    expect(s.getBackwardExtremities(dag.roomId)).toEqual([]);
  });

  test('child before parent within one batch', () => {
    const a = dag.message([dag.join]);
    const b = dag.message([a]);
    const c = dag.state([b], 'm.room.name', '');
    s.persistEvents([{ event: c }, { event: b }, { event: a }]);
    expect(ids(s, dag.roomId)).toEqual([c.eventId]);
    expect(s.getCurrentState(dag.roomId)).toEqual(stateOf(dag.create, dag.join, c));
  });

  test('an outlier is never an extremity; promoted later, extremities are recomputed (Synapse #6607)', () => {
    const a = dag.message([dag.join]);
    const b = dag.message([a]);
    s.persistEvents([{ event: a, outlier: true }]);
    expect(ids(s, dag.roomId)).toEqual([dag.join.eventId]);
    expect(s.getEvent(a.eventId)?.outlier).toBe(true);
    s.persistEvents([{ event: b, stateBefore: stateOf(dag.create, dag.join) }]);
    // join and b are both tips while a is only an outlier; a is a backward extremity (no place in the graph yet).
    expect(ids(s, dag.roomId)).toEqual([dag.join.eventId, b.eventId].sort());
    expect(s.getBackwardExtremities(dag.roomId)).toEqual([a.eventId]);
    const result = s.persistEvents([{ event: a }]);
    expect(result.promoted).toEqual([a.eventId]);
    expect(s.getEvent(a.eventId)?.outlier).toBe(false);
    expect(ids(s, dag.roomId)).toEqual([b.eventId]);
    expect(s.getBackwardExtremities(dag.roomId)).toEqual([]);
  });

  test('a promoted outlier with no children joins the extremities', () => {
    const a = dag.message([dag.join]);
    s.persistEvents([{ event: a, outlier: true }]);
    s.persistEvents([{ event: a }]);
    expect(ids(s, dag.roomId)).toEqual([a.eventId]);
  });

  test('A ← SF1 ← SF2 ← B: B removes A by walking back through the soft-failed chain', () => {
    const a = dag.message([dag.join]);
    const sf1 = dag.message([a]);
    const sf2 = dag.message([sf1]);
    const b = dag.message([sf2]);
    s.persistEvents([{ event: a }]);
    s.persistEvents([{ event: sf1, softFailed: true }]);
    s.persistEvents([{ event: sf2, softFailed: true }]);
    expect(ids(s, dag.roomId)).toEqual([a.eventId]); // soft-failed never clears its parents
    s.persistEvents([{ event: b }]);
    expect(ids(s, dag.roomId)).toEqual([b.eventId]);
  });

  test('a soft-failed event arriving after its normal child removes what is behind it', () => {
    const a = dag.message([dag.join]);
    const sf = dag.message([a]);
    const c = dag.message([sf]);
    s.persistEvents([{ event: a }]);
    s.persistEvents([{ event: c, stateBefore: stateOf(dag.create, dag.join) }]);
    expect(ids(s, dag.roomId)).toEqual([a.eventId, c.eventId].sort());
    s.persistEvents([{ event: sf, softFailed: true }]);
    expect(ids(s, dag.roomId)).toEqual([c.eventId]);
  });

  test('rejected events are stored, never extremities, and do not change state', () => {
    const bad = dag.state([dag.join], 'm.room.power_levels', '');
    s.persistEvents([{ event: bad, rejectedReason: 'auth' }]);
    expect(ids(s, dag.roomId)).toEqual([dag.join.eventId]);
    expect(s.getEvent(bad.eventId)?.rejectedReason).toBe('auth');
    expect(s.getStateAfter(bad.eventId)).toEqual(s.getStateBefore(bad.eventId));
    expect(s.getCurrentState(dag.roomId)).toEqual(stateOf(dag.create, dag.join));
  });

  test('persisting the same event twice is a no-op', () => {
    const a = dag.message([dag.join]);
    s.persistEvents([{ event: a }]);
    const count = rowCount(db, 'events');
    const again = s.persistEvents([{ event: a }, { event: a, softFailed: true }]);
    expect(again).toEqual({ stored: [], promoted: [], unchanged: [a.eventId] });
    expect(rowCount(db, 'events')).toBe(count);
    expect(s.getEvent(a.eventId)?.softFailed).toBe(false);
  });

  test('a batch that fails halfway leaves nothing behind', () => {
    const a = dag.message([dag.join]);
    const orphan = dag.message([dag.message([a])]); // its prev is never stored, and no stateBefore is given
    const before = db.prepare("SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM event_nids) + (SELECT COUNT(*) FROM forward_extremities) + (SELECT COUNT(*) FROM state_snapshots) AS n").get();
    expect(() => s.persistEvents([{ event: a }, { event: dag.state([a], 'm.room.topic', '') }, { event: orphan }])).toThrow(/stateBefore is required/);
    expect(db.prepare("SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM event_nids) + (SELECT COUNT(*) FROM forward_extremities) + (SELECT COUNT(*) FROM state_snapshots) AS n").get()).toEqual(before);
    expect(s.getEvent(a.eventId)).toBeUndefined();
    expect(ids(s, dag.roomId)).toEqual([dag.join.eventId]);
  });
});

describe('verifyRoom', () => {
  test('reports every difference from a recomputation', () => {
    // The test's own handle on the database, to corrupt rows behind storage's back.
    const { storage: s, db } = openStorageWithHandle();
    const dag = new MinimalRoom('10');
    const a = dag.message([dag.join]);
    s.persistEvents([{ event: dag.create }, { event: dag.join }, { event: a }]);
    expect(s.verifyRoom(dag.roomId)).toEqual({ ok: true, problems: [] });
    db.exec('DELETE FROM forward_extremities');
    db.prepare('INSERT INTO forward_extremities (room_nid, event_nid) SELECT room_nid, event_nid FROM events WHERE type = ?').run('m.room.create');
    db.exec('DELETE FROM room_current_state WHERE rowid IN (SELECT rowid FROM room_current_state LIMIT 1)');
    const v = s.verifyRoom(dag.roomId);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(
      expect.arrayContaining([`forward extremity missing: ${a.eventId}`, `forward extremity that should not be: ${dag.create.eventId}`, expect.stringMatching(/current state differs/)]),
    );
    expect(s.verifyRoom('!nope:x').ok).toBe(false);
    s.close();
  });
});
