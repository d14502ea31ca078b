// State resolution v2 (room versions 2–11) and v2.1 (room version 12, MSC4297): spec "Room Version 2/12 → State resolution".
import type { EventIdSet } from '../protocol/event-id-set';
import { RoomVersion } from '../protocol/room-versions';
import { AuthChainSource } from './auth-chain';
import { authDifference } from './auth-difference';
import { splitConflictedState } from './conflicted-state';
import { conflictedSubgraph } from './conflicted-subgraph';
import { EventLoader } from './event-loader';
import { iterativeAuthChecks } from './iterative-auth-checks';
import { mainlineOrder } from './mainline-ordering';
import { isPowerEvent } from './power-events';
import { reverseTopologicalPowerOrder } from './power-ordering';
import { stateKey, StateMap } from '../protocol/state-map';

const POWER_LEVELS_KEY = stateKey('m.room.power_levels', '');

export interface ResolveV2Context {
  loader: EventLoader;
  authChainIndex?: AuthChainSource;
  rejected: EventIdSet;
}

/**
 * Resolves state sets by the v2 algorithm, or v2.1 when the room version says so. v2.1 differs in two
 * places only: the full conflicted set also holds the conflicted state subgraph, and the first round of
 * iterative auth checks starts from an empty state map instead of the unconflicted state map.
 */
export async function resolveV2(rv: RoomVersion, stateSets: readonly StateMap[], ctx: ResolveV2Context): Promise<StateMap> {
  const v21 = rv.stateResolution === 'v2.1';
  const { loader, rejected } = ctx;
  const { unconflicted, conflicted } = splitConflictedState(stateSets);
  if (conflicted.size === 0) return unconflicted;

  // The full conflicted set: conflicted state set ∪ auth difference (∪ conflicted state subgraph in v2.1).
  const conflictedIds = new Set<string>();
  for (const ids of conflicted.values()) for (const id of ids) conflictedIds.add(id);
  const full = new Set<string>(conflictedIds);
  for (const id of await authDifference(loader, stateSets, unconflicted, ctx.authChainIndex)) full.add(id);
  if (v21) for (const id of await conflictedSubgraph(loader, conflictedIds, ctx.authChainIndex)) full.add(id);
  await loader.load(full);
  // Events we cannot fetch cannot be checked, and non-state events have no place in state: drop both.
  for (const id of full) if (loader.get(id)?.stateKey === undefined) full.delete(id);

  // 1. Power events (with their auth ancestors in the full conflicted set), reverse topological power order.
  const powerEvents = [...full].filter((id) => isPowerEvent(loader.get(id)!));
  const powerOrder = await reverseTopologicalPowerOrder(loader, powerEvents, full);
  // 2. Iterative auth checks from the unconflicted state map (v2) or from an empty map (v2.1).
  const partial = await iterativeAuthChecks(loader, powerOrder, v21 ? new Map() : unconflicted, rejected);
  // 3. Everything else, in mainline order based on the partially resolved power levels.
  const picked = new Set(powerOrder);
  const others = [...full].filter((id) => !picked.has(id));
  const otherOrder = await mainlineOrder(loader, others, partial.get(POWER_LEVELS_KEY));
  // 4. Iterative auth checks on the partially resolved state.
  const resolved = await iterativeAuthChecks(loader, otherOrder, partial, rejected);
  // 5. The unconflicted state map wins wherever it has a key.
  for (const [key, id] of unconflicted) resolved.set(key, id);
  return resolved;
}
