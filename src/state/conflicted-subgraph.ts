// The conflicted state subgraph (room version 12, MSC4297): auth-graph paths from one conflicted event to another.
import { authClosure, AuthChainSource } from './auth-chain';
import { EventLoader } from './event-loader';

/**
 * Every event on an `auth_events` path that starts at one conflicted event and ends at another, endpoints
 * included. An event x is on such a path iff x is reachable from a conflicted event (x ∈ closure(C)) and
 * a conflicted event is reachable from x by at least one edge. The second half is computed bottom-up with
 * an explicit-stack post-order walk, so depth of the auth graph costs memory, never call stack.
 *
 *     C1 ──► m ──► n ──► C2 ──► create        subgraph = {C1, m, n, C2}
 *                  └──────────► create        (create leads to no conflicted event)
 */
export async function conflictedSubgraph(
  loader: EventLoader,
  conflicted: ReadonlySet<string>,
  index?: AuthChainSource,
): Promise<Set<string>> {
  const reachable = await authClosure(loader, conflicted, undefined, index);
  await loader.load(reachable); // the walk below needs every event's auth_events
  const authsOf = (id: string): readonly string[] => loader.get(id)?.authEventIds ?? [];
  // leadsToConflicted(x): some auth-edge path of length ≥ 1 goes from x to a conflicted event.
  const leadsToConflicted = new Map<string, boolean>();
  const inProgress = new Set<string>();
  const stack: string[] = [];
  for (const root of conflicted) {
    stack.push(root);
    while (stack.length > 0) {
      const id = stack[stack.length - 1]!;
      if (leadsToConflicted.has(id)) {
        stack.pop();
      } else if (!inProgress.has(id)) {
        inProgress.add(id);
        for (const authId of authsOf(id)) {
          if (!leadsToConflicted.has(authId) && !inProgress.has(authId)) stack.push(authId);
        }
      } else {
        stack.pop();
        // A child still in progress means a cycle (possible only with v1/v2 server-chosen IDs): ignore that edge.
        const leads = authsOf(id).some((a) => conflicted.has(a) || leadsToConflicted.get(a) === true);
        leadsToConflicted.set(id, leads);
        inProgress.delete(id);
      }
    }
  }
  const subgraph = new Set<string>();
  for (const id of reachable) if (conflicted.has(id) || leadsToConflicted.get(id) === true) subgraph.add(id);
  return subgraph;
}
