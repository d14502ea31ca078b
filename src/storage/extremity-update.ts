// Applies the extremity plan (extremity-plan.ts, DESIGN.md §2) for one event inside the persist
// transaction, and answers the same plan read-only for the room layer before it persists.
import { EventsRepository, isNormal } from './events-repository';
import { EdgesRepository } from './edges-repository';
import { ExtremitiesRepository } from './extremities-repository';
import { changesForward, ExtremityGraph, ExtremityPlan, GraphFlags, planExtremities } from './extremity-plan';

export interface GraphRepos {
  events: EventsRepository;
  edges: EdgesRepository;
  extremities: ExtremitiesRepository;
}

/** The stored graph of one room, by event nid. */
function nidGraph({ events, edges, extremities }: GraphRepos, roomNid: number): ExtremityGraph<number> {
  let forward: Set<number> | undefined; // read once, only when the walk reaches a normal event
  return {
    flagsOf: (nid) => {
      const f = events.flags(nid);
      return f && { outlier: f.outlier !== 0, bad: f.outlier === 0 && !isNormal(f) };
    },
    prevsOf: (nid) => edges.prevsOf(nid),
    childrenOf: (nid) => edges.childrenOf(nid),
    isForward: (nid) => (forward ??= new Set(extremities.forwardStates(roomNid).map((s) => s.event_nid))).has(nid),
  };
}

/**
 * Updates a room's extremities for event E, which has just become part of the graph (stored as a
 * non-outlier, or promoted from outlier). E's row and prev edges are already written.
 * Returns whether the forward set changed.
 */
export function updateExtremities(repos: GraphRepos, roomNid: number, eventNid: number, normal: boolean): boolean {
  const { extremities, edges } = repos;
  const plan = planExtremities(nidGraph(repos, roomNid), { id: eventNid, prevs: edges.prevsOf(eventNid), normal });
  for (const nid of plan.forwardLeave) extremities.removeForward(roomNid, nid);
  if (plan.forwardJoin) extremities.addForward(roomNid, eventNid);
  extremities.removeBackward(roomNid, plan.backwardLeave);
  for (const nid of plan.backwardJoin) extremities.addBackward(roomNid, nid);
  return changesForward(plan);
}

/**
 * The plan persisting `event` would apply now, by event ID, without writing anything: the room
 * layer resolves the states of exactly the extremities storage will keep.
 */
export function planStoredExtremities(repos: GraphRepos, roomNid: number | undefined, event: { eventId: string; prevEventIds: readonly string[] }, normal: boolean): ExtremityPlan<string> {
  const { events } = repos;
  const none: ExtremityGraph<number> = { flagsOf: () => undefined, prevsOf: () => [], childrenOf: () => [], isForward: () => false };
  const graph = roomNid === undefined ? none : nidGraph(repos, roomNid);
  const nid = (id: string): number | undefined => events.nidOf(id);
  const ids = (nids: readonly number[]): string[] => nids.map((n) => events.idOf(n));
  const byId: ExtremityGraph<string> = {
    flagsOf: (id): GraphFlags | undefined => {
      const n = nid(id);
      return n === undefined ? undefined : graph.flagsOf(n);
    },
    prevsOf: (id) => {
      const n = nid(id);
      return n === undefined ? [] : ids(graph.prevsOf(n));
    },
    childrenOf: (id) => {
      const n = nid(id);
      return n === undefined ? [] : ids(graph.childrenOf(n));
    },
    isForward: (id) => {
      const n = nid(id);
      return n !== undefined && graph.isForward(n);
    },
  };
  return planExtremities(byId, { id: event.eventId, prevs: event.prevEventIds, normal });
}
