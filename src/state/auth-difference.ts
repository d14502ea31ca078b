// The auth difference (spec, room version 2 "Definitions"): ∪Cᵢ − ∩Cᵢ over the state sets' full auth chains.
import { AuthChainSource, authClosure } from './auth-chain';
import { EventLoader } from './event-loader';
import { StateMap } from '../protocol/state-map';

/**
 * Computes ∪Cᵢ − ∩Cᵢ without building each Cᵢ.
 *
 * Cᵢ is taken to contain the events of Sᵢ as well as their auth chains (as Synapse's auth-chain index does),
 * so an event every state set holds is never part of the difference. Then, with U the unconflicted events
 * and A = U plus U's auth chain (closed under auth edges, and inside every Cᵢ):
 *
 *     Cᵢ = A ∪ Dᵢ  where  Dᵢ = closure(conflicted events of Sᵢ) − A
 *     ∪Cᵢ − ∩Cᵢ = ∪Dᵢ − ∩Dᵢ
 *
 * A is walked once (linear in the room's state); each Dᵢ walk stops where it meets A, so it only covers
 * the part of history the forks do not share.
 */
export async function authDifference(
  loader: EventLoader,
  stateSets: readonly StateMap[],
  unconflicted: StateMap,
  index?: AuthChainSource,
): Promise<Set<string>> {
  const shared = await authClosure(loader, new Set(unconflicted.values()), undefined, index);
  const perSet: Set<string>[] = [];
  for (const set of stateSets) {
    const own: string[] = [];
    for (const [key, id] of set) if (unconflicted.get(key) !== id) own.push(id);
    perSet.push(await authClosure(loader, own, shared, index));
  }
  const counts = new Map<string, number>();
  for (const d of perSet) for (const id of d) counts.set(id, (counts.get(id) ?? 0) + 1);
  const difference = new Set<string>();
  for (const [id, count] of counts) if (count < perSet.length) difference.add(id);
  return difference;
}
