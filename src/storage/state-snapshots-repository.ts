// State snapshots without copying: each snapshot is a parent plus a small delta, parents chosen Fenwick-style.
//
// Every snapshot derived from a predecessor gets seq = predecessor.seq + 1 (the empty state is seq 0,
// stored as NULL). Its *parent* — the snapshot its entries are a delta on top of — is the ancestor
// with seq = seq with its lowest set bit cleared, exactly like a Fenwick (binary indexed) tree:
//
//   seq:     1    2    3    4    5    6    7    8
//   parent:  ∅    ∅    2    ∅    4    4    6    ∅
//
// so reading any snapshot walks at most popcount(seq) ≤ log2(n) parents, and a new snapshot's delta
// is the merge of the deltas between that parent and its predecessor (amortised O(log n) rows per
// state event; one row in half of the cases). A message event stores no rows at all: it points at
// its predecessor's snapshot. A 10,000-member room thus never costs 10,000 rows per event, except
// when a caller hands us a whole new state (a merge) that no existing snapshot is close to.
import { param, prepare } from './prepared';
import { StateMap, stateKey as makeStateKey } from '../protocol/state-map';
import type { StateSnapshotsTable } from './database-schema';
import type { StorageContext } from './storage-context';
import { sql, type Selectable } from 'kysely';

/** A state with interned keys: state_key_nid → event_nid. */
export type NidState = Map<number, number>;
/** A delta: state_key_nid → event_nid, or null for "removed". */
export type NidDelta = Map<number, number | null>;

export type SnapshotRow = Selectable<StateSnapshotsTable>;

/** seq with its lowest set bit cleared (the Fenwick parent); exact for any safe integer. */
export function fenwickParentSeq(seq: number): number {
  let low = 1;
  while (Math.floor(seq / low) % 2 === 0) low *= 2;
  return seq - low;
}

export class StateSnapshotsRepository {
  private readonly keyNid;
  private readonly keyByNid;
  private readonly namedEntriesOf;
  private readonly insertKey;
  private readonly byNid;
  private readonly chainOf;
  private readonly entriesOf;
  private readonly fullNids;
  private readonly fullNamed;
  private readonly insertSnapshot;
  private readonly insertEntry;
  private readonly inRoom;

  constructor({ db, kysely }: StorageContext) {
    this.keyNid = prepare<{ t: string; k: string }, { state_key_nid: number }>(
      db,
      kysely.selectFrom('state_keys').select('state_key_nid').where('event_type', '=', param('t')).where('state_key', '=', param('k')),
    );
    this.insertKey = prepare<{ t: string; k: string }>(db, kysely.insertInto('state_keys').values({ event_type: param('t'), state_key: param('k') }));
    this.keyByNid = prepare<{ n: number }, { event_type: string; state_key: string }>(
      db,
      kysely.selectFrom('state_keys').select(['event_type', 'state_key']).where('state_key_nid', '=', param('n')),
    );
    this.byNid = prepare<{ s: number }, SnapshotRow>(db, kysely.selectFrom('state_snapshots').selectAll().where('snapshot_nid', '=', param('s')));
    this.inRoom = prepare<{ r: number }, SnapshotRow>(db, kysely.selectFrom('state_snapshots').selectAll().where('room_nid', '=', param('r')));
    // The chain from a snapshot up through its parents (WITH RECURSIVE is standard SQL; PostgreSQL has it too).
    const chain = sql`WITH RECURSIVE chain (snapshot_nid, parent_nid, seq) AS (
        SELECT snapshot_nid, parent_nid, seq FROM state_snapshots WHERE snapshot_nid = ${param('s')}
        UNION ALL
        SELECT p.snapshot_nid, p.parent_nid, p.seq FROM state_snapshots p INNER JOIN chain c ON p.snapshot_nid = c.parent_nid)`;
    this.chainOf = prepare<{ s: number }, { snapshot_nid: number; parent_nid: number | null; seq: number }>(db, {
      compile: () => sql`${chain} SELECT snapshot_nid, parent_nid, seq FROM chain ORDER BY seq DESC`.compile(kysely),
    });
    this.entriesOf = prepare<{ s: number }, { state_key_nid: number; event_nid: number | null }>(
      db,
      kysely.selectFrom('state_snapshot_entries').select(['state_key_nid', 'event_nid']).where('snapshot_nid', '=', param('s')),
    );
    this.namedEntriesOf = prepare<{ s: number }, { event_type: string; state_key: string; event_id: string | null }>(db, {
      compile: () =>
        sql`SELECT k.event_type, k.state_key, n.event_id FROM state_snapshot_entries e
              INNER JOIN state_keys k ON k.state_key_nid = e.state_key_nid
              LEFT JOIN event_nids n ON n.event_nid = e.event_nid
            WHERE e.snapshot_nid = ${param('s')}`.compile(kysely),
    });
    // Oldest (lowest seq) first, so that applying rows in order leaves the newest value per key.
    this.fullNids = prepare<{ s: number }, { state_key_nid: number; event_nid: number | null }>(db, {
      compile: () =>
        sql`${chain} SELECT e.state_key_nid, e.event_nid FROM chain c INNER JOIN state_snapshot_entries e ON e.snapshot_nid = c.snapshot_nid ORDER BY c.seq ASC`.compile(kysely),
    });
    this.fullNamed = prepare<{ s: number }, { event_type: string; state_key: string; event_id: string | null }>(db, {
      compile: () =>
        sql`${chain} SELECT k.event_type, k.state_key, n.event_id FROM chain c
              INNER JOIN state_snapshot_entries e ON e.snapshot_nid = c.snapshot_nid
              INNER JOIN state_keys k ON k.state_key_nid = e.state_key_nid
              LEFT JOIN event_nids n ON n.event_nid = e.event_nid
            ORDER BY c.seq ASC`.compile(kysely),
    });
    this.insertSnapshot = prepare<{ r: number; parent: number | null; pred: number | null; seq: number }>(
      db,
      kysely.insertInto('state_snapshots').values({ room_nid: param('r'), parent_nid: param('parent'), predecessor_nid: param('pred'), seq: param('seq') }),
    );
    this.insertEntry = prepare<{ s: number; k: number; e: number | null }>(
      db,
      kysely.insertInto('state_snapshot_entries').values({ snapshot_nid: param('s'), state_key_nid: param('k'), event_nid: param('e') }),
    );
  }

  /** The (type, state_key) pair behind a nid made by internKey. */
  keyOf(stateKeyNid: number): [type: string, stateKey: string] {
    const row = this.keyByNid.get({ n: stateKeyNid });
    if (!row) throw new Error(`no state key with nid ${stateKeyNid}`);
    return [row.event_type, row.state_key];
  }

  /** The nid of a (type, state_key) pair, if it was ever used. */
  keyNidOf(type: string, stateKey: string): number | undefined {
    return this.keyNid.get({ t: type, k: stateKey })?.state_key_nid;
  }

  /** The nid of a (type, state_key) pair, allocated on first use. */
  internKey(type: string, stateKey: string): number {
    const found = this.keyNidOf(type, stateKey);
    if (found !== undefined) return found;
    return Number(this.insertKey.run({ t: type, k: stateKey }).lastInsertRowid);
  }

  get(snapshotNid: number): SnapshotRow | undefined {
    return this.byNid.get({ s: snapshotNid });
  }

  ofRoom(roomNid: number): SnapshotRow[] {
    return this.inRoom.all({ r: roomNid });
  }

  /** The snapshot's own delta rows (relative to its parent). */
  entries(snapshotNid: number): NidDelta {
    return new Map(this.entriesOf.all({ s: snapshotNid }).map((r) => [r.state_key_nid, r.event_nid]));
  }

  /** The full state at a snapshot (NULL = the empty state), with interned keys. */
  loadNids(snapshotNid: number | null): NidState {
    const state: NidState = new Map();
    if (snapshotNid === null) return state;
    for (const row of this.fullNids.all({ s: snapshotNid })) {
      if (row.event_nid === null) state.delete(row.state_key_nid);
      else state.set(row.state_key_nid, row.event_nid);
    }
    return state;
  }

  /** The full state at a snapshot as a StateMap of event IDs. */
  /**
   * The snapshot's state built on its predecessor's, when that is at hand and the snapshot's own rows
   * are few: its rows (the changes since its parent, an ancestor on the predecessor line) hold the final
   * value of every key that differs from the predecessor. Undefined when a full load is the cheaper way
   * (no predecessor, or a snapshot whose delta spans much of the state, as powers of two do).
   */
  stateFromPredecessor(snapshotNid: number, predecessorState: (predecessorNid: number) => StateMap | undefined, maxRows: number): StateMap | undefined {
    const row = this.get(snapshotNid);
    if (!row || row.predecessor_nid === null) return undefined;
    const base = predecessorState(row.predecessor_nid);
    if (!base) return undefined;
    const rows = this.namedEntriesOf.all({ s: snapshotNid });
    if (rows.length > maxRows) return undefined;
    const state: StateMap = new Map(base);
    for (const entry of rows) {
      const key = makeStateKey(entry.event_type, entry.state_key);
      if (entry.event_id === null) state.delete(key);
      else state.set(key, entry.event_id);
    }
    return state;
  }

  loadStateMap(snapshotNid: number | null): StateMap {
    const state: StateMap = new Map();
    if (snapshotNid === null) return state;
    for (const row of this.fullNamed.all({ s: snapshotNid })) {
      const key = makeStateKey(row.event_type, row.state_key);
      if (row.event_id === null) state.delete(key);
      else state.set(key, row.event_id);
    }
    return state;
  }

  /**
   * Stores the snapshot `predecessor + changes` and returns its nid. The parent is the
   * predecessor's Fenwick ancestor (see the header); the stored delta merges the deltas between.
   */
  create(roomNid: number, predecessorNid: number | null, changes: NidDelta): number {
    const predSeq = predecessorNid === null ? 0 : (this.get(predecessorNid) as SnapshotRow).seq;
    const seq = predSeq + 1;
    const parentSeq = fenwickParentSeq(seq);
    const merged: NidDelta = new Map();
    let parentNid: number | null = null;
    if (predecessorNid !== null) {
      const chain = this.chainOf.all({ s: predecessorNid });
      const between = chain.filter((c) => c.seq > parentSeq).reverse(); // oldest first
      for (const link of between) for (const [k, e] of this.entries(link.snapshot_nid)) merged.set(k, e);
      const parent = chain.find((c) => c.seq === parentSeq);
      if (parentSeq > 0 && !parent) throw new Error(`storage: snapshot ${predecessorNid} has a broken parent chain`);
      parentNid = parent ? parent.snapshot_nid : null;
    }
    for (const [k, e] of changes) merged.set(k, e);
    const snapshotNid = Number(this.insertSnapshot.run({ r: roomNid, parent: parentNid, pred: predecessorNid, seq }).lastInsertRowid);
    for (const [k, e] of merged) {
      // On top of the empty state a removal says nothing.
      if (e === null && parentNid === null) continue;
      this.insertEntry.run({ s: snapshotNid, k, e });
    }
    return snapshotNid;
  }
}

/** The changes that turn `from` into `to` (null = removed). */
export function diffStates(from: NidState, to: NidState): NidDelta {
  const delta: NidDelta = new Map();
  for (const [k, e] of to) if (from.get(k) !== e) delta.set(k, e);
  for (const k of from.keys()) if (!to.has(k)) delta.set(k, null);
  return delta;
}
