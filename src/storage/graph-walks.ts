// Read-side walks over the DAG: auth chains, /get_missing_events and /backfill (server-server API).
import type { Repositories } from './repositories';

/**
 * The auth chain of a set of events: every stored event reachable through auth_events, not
 * counting the starting events unless one is reachable from another. Iterative (an explicit
 * queue, no recursion), so chains of 100k events cannot overflow the stack.
 */
export function authChain(repos: Repositories, eventIds: readonly string[]): string[] {
  const { events, edges } = repos;
  const seen = new Set<number>();
  const queue: number[] = [];
  for (const id of eventIds) {
    const nid = events.nidOf(id);
    if (nid !== undefined) queue.push(nid);
  }
  const found: number[] = [];
  for (let i = 0; i < queue.length; i++) {
    for (const auth of edges.authOf(queue[i])) {
      if (seen.has(auth)) continue;
      seen.add(auth);
      if (!events.flags(auth)) continue; // referenced but not stored: nothing to serve
      found.push(auth);
      queue.push(auth);
    }
  }
  return found.map((nid) => events.idOf(nid)).sort();
}

/**
 * POST /_matrix/federation/v1/get_missing_events/{roomId} (spec: server-server API, "Retrieving
 * missing events"): walk prev_events breadth-first back from `latest`, never returning or walking
 * past `earliest` (nor the `latest` events themselves), skipping events below `minDepth`, up to
 * `limit` events. Returned oldest first (depth ascending, then event ID), as the sender will apply them.
 */
export function missingEvents(repos: Repositories, roomNid: number, earliest: readonly string[], latest: readonly string[], limit: number, minDepth: number): number[] {
  const { events, edges } = repos;
  const seen = new Set<number>();
  for (const id of [...earliest, ...latest]) {
    const nid = events.nidOf(id);
    if (nid !== undefined) seen.add(nid);
  }
  let front: number[] = [];
  for (const id of latest) {
    const nid = events.nidOf(id);
    const f = nid === undefined ? undefined : events.flags(nid);
    if (f && f.room_nid === roomNid) front.push(f.event_nid);
  }
  const found: { nid: number; depth: number }[] = [];
  while (front.length > 0 && found.length < limit) {
    const next: number[] = [];
    for (const nid of front) {
      for (const prev of edges.prevsOf(nid)) {
        if (seen.has(prev) || found.length >= limit) continue;
        seen.add(prev);
        const f = events.flags(prev);
        if (!f || f.outlier || f.room_nid !== roomNid || f.depth < minDepth) continue;
        found.push({ nid: prev, depth: f.depth });
        next.push(prev);
      }
    }
    front = next;
  }
  return sortByDepth(repos, found, 'asc');
}

/**
 * GET /_matrix/federation/v1/backfill/{roomId}?v=…&limit=… (spec: "Backfilling and retrieving
 * missing events"): the given events and those preceding them, up to `limit`, deepest first —
 * a priority walk on depth, so the window slides back evenly across forks.
 */
export function backfillEvents(repos: Repositories, roomNid: number, fromIds: readonly string[], limit: number): number[] {
  const { events, edges } = repos;
  const seen = new Set<number>();
  const heap = new MaxDepthHeap();
  for (const id of fromIds) {
    const nid = events.nidOf(id);
    const f = nid === undefined ? undefined : events.flags(nid);
    if (f && f.room_nid === roomNid && !f.outlier && !seen.has(f.event_nid)) {
      seen.add(f.event_nid);
      heap.push(f.event_nid, f.depth);
    }
  }
  const out: number[] = [];
  while (heap.size > 0 && out.length < limit) {
    const nid = heap.pop();
    out.push(nid);
    for (const prev of edges.prevsOf(nid)) {
      if (seen.has(prev)) continue;
      seen.add(prev);
      const f = events.flags(prev);
      if (f && !f.outlier && f.room_nid === roomNid) heap.push(prev, f.depth);
    }
  }
  return out;
}

function sortByDepth(repos: Repositories, items: { nid: number; depth: number }[], order: 'asc' | 'desc'): number[] {
  const withIds = items.map((i) => ({ ...i, id: repos.events.idOf(i.nid) }));
  withIds.sort((a, b) => (a.depth !== b.depth ? (order === 'asc' ? a.depth - b.depth : b.depth - a.depth) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return withIds.map((i) => i.nid);
}

/** A binary max-heap on depth (ties: lower nid first, so the walk is deterministic). */
class MaxDepthHeap {
  private readonly items: { nid: number; depth: number }[] = [];

  get size(): number {
    return this.items.length;
  }

  private above(a: { nid: number; depth: number }, b: { nid: number; depth: number }): boolean {
    return a.depth > b.depth || (a.depth === b.depth && a.nid < b.nid);
  }

  push(nid: number, depth: number): void {
    const h = this.items;
    h.push({ nid, depth });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): number {
    const h = this.items;
    const top = h[0];
    const last = h.pop() as { nid: number; depth: number };
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.above(h[l], h[m])) m = l;
        if (r < h.length && this.above(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top.nid;
  }
}
