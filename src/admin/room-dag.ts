// Reads one room's whole event graph from storage — events with their flags, prev and auth edges,
// forward and backward extremities — for the admin API and `dagmar dag export`.
import { MatrixError } from '../protocol/errors';
import type { GraphEdge, Storage } from '../storage';

export interface DagEvent {
  eventId: string;
  type: string;
  stateKey: string | undefined;
  sender: string;
  depth: number;
  originServerTs: number;
  receivedTs: number;
  prevEvents: string[];
  authEvents: string[];
  outlier: boolean;
  softFailed: boolean;
  /** Why the auth rules rejected it; undefined when it was not rejected. */
  rejectedReason: string | undefined;
  forwardExtremity: boolean;
}

export interface RoomDag {
  roomId: string;
  roomVersion: string;
  /** Depth ascending, then event ID: the same bytes for the same graph. */
  events: DagEvent[];
  /** Deepest first, then by event ID (the order of our next prev_events). */
  forwardExtremities: Array<{ eventId: string; depth: number }>;
  /** prev_events that the graph cites but we do not hold as non-outliers. */
  backwardExtremities: string[];
}

/** Groups edges (sorted by child, then parent) into each child's parent list. */
function parentsByChild(edges: readonly GraphEdge[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { child, parent } of edges) {
    const list = map.get(child);
    if (list) list.push(parent);
    else map.set(child, [parent]);
  }
  return map;
}

/** The room's graph; 404 M_NOT_FOUND for a room we do not store. */
export function loadRoomDag(storage: Storage, roomId: string): RoomDag {
  const graph = storage.getRoomGraph(roomId);
  if (!graph) throw new MatrixError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
  const prevs = parentsByChild(graph.prevEdges);
  const auths = parentsByChild(graph.authEdges);
  const forwardExtremities = storage.getForwardExtremities(roomId);
  const forward = new Set(forwardExtremities.map((f) => f.eventId));
  return {
    roomId,
    roomVersion: graph.roomVersion,
    events: graph.events.map((e) => ({
      ...e,
      prevEvents: prevs.get(e.eventId) ?? [],
      authEvents: auths.get(e.eventId) ?? [],
      forwardExtremity: forward.has(e.eventId),
    })),
    forwardExtremities,
    backwardExtremities: storage.getBackwardExtremities(roomId),
  };
}
