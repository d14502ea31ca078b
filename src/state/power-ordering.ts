// The reverse topological power ordering (spec, room version 2 "Definitions"), by Kahn's algorithm over auth edges.
import { RoomEvent } from '../protocol/room-event';
import { compareCodePoints } from './code-point-order';
import { EventLoader } from './event-loader';
import { MinHeap } from './min-heap';
import { senderPowerLevel } from './sender-power-level';

interface Candidate {
  id: string;
  power: number;
  ts: number;
}

/** x < y: greater sender power first, then earlier origin_server_ts, then smaller event ID. */
function compareCandidates(x: Candidate, y: Candidate): number {
  if (x.power !== y.power) return x.power > y.power ? -1 : 1;
  if (x.ts !== y.ts) return x.ts - y.ts;
  return compareCodePoints(x.id, y.id);
}

/**
 * Step 1 of the algorithm: the power events of the full conflicted set, enlarged by the events of their
 * auth chains that are also in the full conflicted set, sorted earliest first.
 *
 * As in Synapse and Ruma, the enlargement walks auth edges through full-conflicted-set events only, and
 * the DAG that constrains the order is the auth edges among the selected events.
 *
 *     older ◄── auth edges ── newer        Kahn's algorithm emits an event once all of its selected
 *     create ◄── PL1 ◄── PL2               auth events have been emitted, picking the smallest
 *                 ▲                        candidate each time (a heap keyed by compareCandidates).
 *                 └── ban
 */
export async function reverseTopologicalPowerOrder(
  loader: EventLoader,
  powerEventIds: Iterable<string>,
  fullConflictedSet: ReadonlySet<string>,
): Promise<string[]> {
  // The selected events, each with its selected auth events (the edges Kahn's algorithm must respect).
  const edges = new Map<string, string[]>();
  const stack = [...powerEventIds];
  await loader.load(stack);
  while (stack.length > 0) {
    const id = stack.pop()!;
    const event = loader.get(id);
    if (edges.has(id) || !event) continue;
    const auths = event.authEventIds.filter((a) => fullConflictedSet.has(a));
    await loader.load(auths);
    const known = auths.filter((a) => loader.has(a));
    edges.set(id, known);
    for (const a of known) if (!edges.has(a)) stack.push(a);
  }
  const candidates = new Map<string, Candidate>();
  for (const id of edges.keys()) {
    const event = loader.get(id) as RoomEvent;
    candidates.set(id, { id, power: await senderPowerLevel(event, loader), ts: event.originServerTs });
  }
  // remaining[x] = how many of x's selected auth events are not emitted yet; citedBy = the reverse edges.
  const remaining = new Map<string, number>();
  const citedBy = new Map<string, string[]>();
  const heap = new MinHeap<Candidate>(compareCandidates);
  for (const [id, auths] of edges) {
    const distinct = new Set(auths);
    remaining.set(id, distinct.size);
    for (const a of distinct) {
      let list = citedBy.get(a);
      if (!list) citedBy.set(a, (list = []));
      list.push(id);
    }
    if (distinct.size === 0) heap.push(candidates.get(id)!);
  }
  const order: string[] = [];
  for (let next = heap.pop(); next; next = heap.pop()) {
    order.push(next.id);
    for (const parent of citedBy.get(next.id) ?? []) {
      const left = remaining.get(parent)! - 1;
      remaining.set(parent, left);
      if (left === 0) heap.push(candidates.get(parent)!);
    }
  }
  // Events on an auth cycle (only forgeable with v1/v2 server-chosen IDs) never become candidates; dropping
  // them is the deterministic choice, and nothing on a cycle can pass the auth rules anyway.
  return order;
}
