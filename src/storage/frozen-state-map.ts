// A StateMap that refuses changes: storage hands out cached states, shared between callers, and a
// caller that wants to change one must copy it (`new Map(state)`), as the callers already do. It stays
// a plain Map (same constructor, no enumerable extras), so it compares equal to any Map with its entries.
import type { StateMap } from '../protocol/state-map';

const frozen = new WeakSet<StateMap>();

function refuse(): never {
  throw new TypeError('a state read from storage is shared and read-only: copy it first (new Map(state))');
}

/** A read-only copy of `state` (or the state itself when it already is one). */
export function freezeStateMap(state: StateMap): StateMap {
  if (frozen.has(state)) return state;
  return freezeOwnStateMap(new Map(state));
}

/** Makes a map only the caller holds read-only, without copying it (storage's freshly built states). */
export function freezeOwnStateMap(state: StateMap): StateMap {
  for (const method of ['set', 'delete', 'clear']) Object.defineProperty(state, method, { value: refuse, enumerable: false });
  frozen.add(state);
  return state;
}

/** True for states storage handed out (read-only, so facts derived from them can be remembered). */
export function isFrozenStateMap(state: StateMap): boolean {
  return frozen.has(state);
}
