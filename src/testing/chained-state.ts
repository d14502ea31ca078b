// A DAG's per-event states kept as chains: each is its parent's state plus at most one entry, and only
// the few most recently used are held as whole maps. A 10,000-member room then costs memory in events,
// not events × members (one Map per event was 100M entries there, past the heap limit).
import type { StateMap } from '../protocol/state-map';

/** A state: a whole map (a root: the empty state, or one that state resolution produced), or a parent plus one entry. */
export class ChainedState {
  /** Set on roots always; on chained states only while they are among the recently materialised. */
  map: StateMap | undefined;

  private constructor(
    readonly parent: ChainedState | undefined,
    readonly entry: readonly [key: string, eventId: string] | undefined,
    map: StateMap | undefined,
  ) {
    this.map = map;
  }

  static root(map: StateMap): ChainedState {
    return new ChainedState(undefined, undefined, map);
  }

  /** This state with `key` set to `eventId`. */
  with(key: string, eventId: string): ChainedState {
    return new ChainedState(this, [key, eventId], undefined);
  }

  get isRoot(): boolean {
    return this.parent === undefined;
  }
}

/** Materialises chained states, keeping the last `keep` of them as maps (roots are kept anyway). */
export class StateMaterialiser {
  private readonly recent: ChainedState[] = [];

  constructor(private readonly keep = 16) {}

  /** The state as a map; shared and read-only: copy it to change it. */
  map(state: ChainedState): StateMap {
    if (state.map) return state.map;
    // Walk up to the nearest state held as a map, then apply the entries on the way back down.
    const entries: Array<readonly [string, string]> = [];
    let cursor: ChainedState | undefined = state;
    while (cursor && !cursor.map) {
      entries.push(cursor.entry!);
      cursor = cursor.parent;
    }
    const out: StateMap = new Map(cursor?.map);
    for (let i = entries.length - 1; i >= 0; i--) out.set(entries[i]![0], entries[i]![1]);
    state.map = out;
    this.recent.push(state);
    while (this.recent.length > this.keep) {
      const old = this.recent.shift()!;
      if (!old.isRoot) old.map = undefined;
    }
    return out;
  }
}
