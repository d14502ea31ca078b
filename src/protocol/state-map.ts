// StateMap: a room state as a Map from stateKey(type, state_key) to event ID; shared by every layer.

/** The map key for a (type, state_key) pair; JSON so that no character in either part is ambiguous. */
export function stateKey(type: string, stateKeyValue: string): string {
  return JSON.stringify([type, stateKeyValue]);
}

/** What every stateKey(type, …) starts with: a cheap filter by type without parsing each key. */
export function stateKeyPrefix(type: string): string {
  return stateKey(type, '').slice(0, -'""]'.length);
}

/** The (type, state_key) pair behind a key made by stateKey(). */
export function parseStateKey(key: string): [type: string, stateKey: string] {
  return JSON.parse(key) as [string, string];
}

/** A room state: stateKey(type, state_key) → event ID. */
export type StateMap = Map<string, string>;
