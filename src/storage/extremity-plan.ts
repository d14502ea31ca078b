// The forward/backward-extremity rule (DESIGN.md §2) as one pure function over a small graph-reading
// interface: storage applies its plan inside the persist transaction, rooms/ reads it beforehand to
// choose the states to resolve. There is no second copy of the rule.

/** What the rule needs to know about a stored event. */
export interface GraphFlags {
  /** Stored only for auth chains or state: not part of the graph. */
  outlier: boolean;
  /** Soft-failed or rejected (and not an outlier). */
  bad: boolean;
}

/** Read access to the stored graph, keyed by whatever identifies an event (nid in storage, ID above it). */
export interface ExtremityGraph<K> {
  /** undefined when the event is not stored at all. */
  flagsOf(id: K): GraphFlags | undefined;
  prevsOf(id: K): readonly K[];
  /** Stored events that name `id` in their prev_events. */
  childrenOf(id: K): readonly K[];
  isForward(id: K): boolean;
}

/** The event about to become part of the graph (stored as a non-outlier, or promoted from outlier). */
export interface PlannedEvent<K> {
  id: K;
  prevs: readonly K[];
  /** Neither soft-failed nor rejected. */
  normal: boolean;
}

export interface ExtremityPlan<K> {
  /** Current forward extremities that leave the set. */
  forwardLeave: K[];
  /** Whether the event itself joins the forward set. */
  forwardJoin: boolean;
  /** The event leaves the backward set (if it was there). */
  backwardLeave: K;
  /** Prev events not in the graph (missing, or outliers): they join the backward set. */
  backwardJoin: K[];
}

/**
 * Plans the extremity change for event E. "Normal" = stored, neither outlier, soft-failed nor
 * rejected; "bad" = soft-failed or rejected (not outlier). A normal event X is a forward extremity
 * unless some normal event Y reaches it through prev edges whose intermediate events are all bad:
 * Y → bad* → X. Cases, newest on the right:
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
 *   8. bad child       A ← E ← SF (SF      SF is bad, so it does not cover E: E joins and A
 *      first                 stored first)  leaves, although E was a backward extremity.
 *   9. outlier         O (outlier)         never joins, never removes; when promoted (Synapse
 *                                          #6607) it is treated as a new arrival: cases 1–8.
 *
 * Case 8 is why "was E a backward extremity?" is not the same question as "is E covered?".
 *
 * Spec: server-server API, "Soft failure" (a soft-failed event is not added to the forward
 * extremities nor referenced by our new events) and "Rejection" (a rejected event is not used as a
 * prev event). The walk back through bad events (cases 6, 7) is what keeps extremities from piling
 * up behind them (Synapse #5269).
 */
export function planExtremities<K>(graph: ExtremityGraph<K>, event: PlannedEvent<K>): ExtremityPlan<K> {
  const covered = reachedByNormalDescendant(graph, event.id);
  const forwardLeave: K[] = [];
  if (event.normal || covered) {
    // Cases 1, 3, 6, 7: the normal events behind E leave, walking back through bad ones.
    const seen = new Set<K>();
    const stack = [...event.prevs];
    while (stack.length > 0) {
      const id = stack.pop() as K;
      if (seen.has(id)) continue;
      seen.add(id);
      const f = graph.flagsOf(id);
      if (!f || f.outlier) continue; // missing or outlier: not part of the graph yet
      if (!f.bad) {
        if (graph.isForward(id)) forwardLeave.push(id);
      } else {
        stack.push(...graph.prevsOf(id));
      }
    }
  }
  const backwardJoin = [...new Set(event.prevs)].filter((id) => {
    const f = graph.flagsOf(id);
    return !f || f.outlier;
  });
  return { forwardLeave, forwardJoin: event.normal && !covered, backwardLeave: event.id, backwardJoin };
}

/** Whether applying the plan changes the forward set. */
export function changesForward<K>(plan: ExtremityPlan<K>): boolean {
  return plan.forwardJoin || plan.forwardLeave.length > 0;
}

/** Cases 4/7: does a stored normal event reach E through stored bad children only? */
function reachedByNormalDescendant<K>(graph: ExtremityGraph<K>, id: K): boolean {
  const seen = new Set<K>();
  const stack = [...graph.childrenOf(id)];
  while (stack.length > 0) {
    const child = stack.pop() as K;
    if (seen.has(child)) continue;
    seen.add(child);
    const f = graph.flagsOf(child);
    if (!f || f.outlier) continue;
    if (!f.bad) return true;
    stack.push(...graph.childrenOf(child));
  }
  return false;
}
