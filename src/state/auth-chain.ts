// Auth chains, walked iteratively (a frontier per step, never recursion), so a 100,000-event chain is fine.
import { EventLoader } from './event-loader';

/** Optional storage index: the full auth chain IDs (not including the given events themselves). */
export type AuthChainSource = (eventIds: readonly string[]) => readonly string[] | Promise<readonly string[]>;

/**
 * The given events plus every event reachable from them along `auth_events` edges (spec "Auth chain").
 *
 * Walking stops at events in `stopAt`: callers pass a set that is closed under auth edges (an auth chain),
 * so anything behind a stop event is in `stopAt` already and the result is exactly closure − stopAt.
 * Events the fetcher does not have are kept in the result (their IDs are known) but not walked past.
 */
export async function authClosure(
  loader: EventLoader,
  start: Iterable<string>,
  stopAt?: ReadonlySet<string>,
  index?: AuthChainSource,
): Promise<Set<string>> {
  const visited = new Set<string>();
  for (const id of start) if (!stopAt?.has(id)) visited.add(id);
  if (index) {
    const chain = await index([...visited]);
    for (const id of chain) if (!stopAt?.has(id)) visited.add(id);
    return visited;
  }
  let frontier = [...visited];
  while (frontier.length > 0) {
    await loader.load(frontier);
    const next: string[] = [];
    for (const id of frontier) {
      const event = loader.get(id);
      if (!event) continue;
      for (const authId of event.authEventIds) {
        if (visited.has(authId) || stopAt?.has(authId)) continue;
        visited.add(authId);
        next.push(authId);
      }
    }
    frontier = next;
  }
  return visited;
}
