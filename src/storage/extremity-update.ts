// The incremental forward/backward-extremity update for one event, run inside the persist transaction (DESIGN.md §2).
import { EventsRepository, isNormal } from './events-repository';
import { EdgesRepository } from './edges-repository';
import { ExtremitiesRepository } from './extremities-repository';

export interface GraphRepos {
  events: EventsRepository;
  edges: EdgesRepository;
  extremities: ExtremitiesRepository;
}

/**
 * Updates a room's extremities for event E, which has just become part of the graph (stored as a
 * non-outlier, or promoted from outlier). E's row and prev edges are already written.
 *
 * "Normal" = neither outlier, soft-failed nor rejected. "Bad" = soft-failed or rejected (not outlier).
 * A normal event X is a forward extremity unless some normal event Y reaches it through prev edges
 * whose intermediate events are all bad:  Y → bad* → X.  Cases, newest on the right:
 *
 *   1. linear          A ← E               A leaves, E joins.
 *   2. fork            A ← B               B stays, E joins: {B, E}.
 *                       ↖ E
 *   3. merge           B ← E               B and C leave, E joins.
 *                      C ↙
 *   4. out of order    E ← C (C stored     E's child C is normal and already stored:
 *                            before E)     E does not join; E leaves the backward set.
 *   5. soft-failed     A ← SF              SF never joins and never removes A.
 *   6. through bad     A ← SF1 ← SF2 ← E   E walks back through SF2, SF1 and removes A.
 *   7. bad arrives     A ← SF ← C (C was   C stored first (SF missing); when SF arrives it is
 *      late                  stored first)  reached by normal C, so the walk from SF removes A.
 *   8. outlier         O (outlier)         never joins, never removes; when promoted (Synapse
 *                                          #6607) it is treated as a new arrival: cases 1–7.
 *
 * Backward extremities: E leaves the set; each prev of E not stored as a non-outlier joins it.
 * Returns whether the forward set changed.
 */
export function updateExtremities(repos: GraphRepos, roomNid: number, eventNid: number, normal: boolean): boolean {
  const { extremities, edges, events } = repos;
  let changed = false;
  const covered = reachedByNormalDescendant(repos, eventNid);
  if (normal || covered) {
    // Cases 1, 3, 6, 7: remove the normal events behind E, walking back through bad ones.
    const seen = new Set<number>();
    const stack = edges.prevsOf(eventNid);
    while (stack.length > 0) {
      const nid = stack.pop() as number;
      if (seen.has(nid)) continue;
      seen.add(nid);
      const f = events.flags(nid);
      if (!f || f.outlier) continue; // missing or outlier: not part of the graph yet
      if (isNormal(f)) {
        if (extremities.removeForward(roomNid, nid)) changed = true;
      } else {
        stack.push(...edges.prevsOf(nid));
      }
    }
  }
  if (normal && !covered && extremities.addForward(roomNid, eventNid)) changed = true;

  extremities.removeBackward(roomNid, eventNid);
  for (const prev of edges.prevsOf(eventNid)) {
    const f = events.flags(prev);
    if (!f || f.outlier) extremities.addBackward(roomNid, prev);
  }
  return changed;
}

/** Case 4/7: does a stored normal event reach E through stored bad children only? */
function reachedByNormalDescendant({ edges, events }: GraphRepos, eventNid: number): boolean {
  const seen = new Set<number>();
  const stack = edges.childrenOf(eventNid);
  while (stack.length > 0) {
    const nid = stack.pop() as number;
    if (seen.has(nid)) continue;
    seen.add(nid);
    const f = events.flags(nid);
    if (!f || f.outlier) continue;
    if (isNormal(f)) return true;
    stack.push(...edges.childrenOf(nid));
  }
  return false;
}
