// Splits state sets into the unconflicted state map and the conflicted state set (v2 "Definitions"; v1 "conflict").
import { StateMap } from '../protocol/state-map';

export interface SplitState {
  /** Keys on which every state set agrees. */
  unconflicted: StateMap;
  /** Every other key, with each distinct event ID the state sets hold for it. */
  conflicted: Map<string, Set<string>>;
}

/**
 * Room versions 2+: a key is unconflicted only if it is present in *every* state set with the *same* event;
 * a key missing from some set is conflicted even if the others agree.
 */
export function splitConflictedState(stateSets: readonly StateMap[]): SplitState {
  const unconflicted: StateMap = new Map();
  const conflicted = new Map<string, Set<string>>();
  const [first, ...rest] = stateSets;
  if (!first) return { unconflicted, conflicted };
  for (const [key, id] of first) {
    if (rest.every((set) => set.get(key) === id)) {
      unconflicted.set(key, id);
      continue;
    }
    const ids = new Set([id]);
    for (const set of rest) {
      const other = set.get(key);
      if (other !== undefined) ids.add(other);
    }
    conflicted.set(key, ids);
  }
  for (const set of rest) {
    for (const [key, id] of set) {
      if (first.has(key)) continue; // handled above
      let ids = conflicted.get(key);
      if (!ids) conflicted.set(key, (ids = new Set()));
      ids.add(id);
    }
  }
  return { unconflicted, conflicted };
}

/**
 * Room version 1: a conflict is two *different* event IDs for one key; a key that some sets lack is not a
 * conflict and the union takes the value the others have.
 */
export function splitConflictedStateV1(stateSets: readonly StateMap[]): SplitState {
  const values = new Map<string, Set<string>>();
  for (const set of stateSets) {
    for (const [key, id] of set) {
      let ids = values.get(key);
      if (!ids) values.set(key, (ids = new Set()));
      ids.add(id);
    }
  }
  const unconflicted: StateMap = new Map();
  const conflicted = new Map<string, Set<string>>();
  for (const [key, ids] of values) {
    if (ids.size === 1) unconflicted.set(key, ids.values().next().value!);
    else conflicted.set(key, ids);
  }
  return { unconflicted, conflicted };
}
