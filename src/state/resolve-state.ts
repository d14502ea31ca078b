// resolveState: the public entry point of state resolution; picks v1, v2 or v2.1 from the room version.
import type { EventIdSet } from '../protocol/event-id-set';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { EventFetcher, EventLoader } from './event-loader';
import { resolveV1 } from './resolve-v1';
import { resolveV2 } from './resolve-v2';
import { StateMap } from '../protocol/state-map';

export interface ResolveOptions {
  /** Optional faster auth-chain source (storage has an index): returns the full auth chain IDs of the given events. */
  fetchAuthChain?: (eventIds: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  rejectedEventIds?: EventIdSet;
  /** Receives the number of distinct events fetched once the resolution is done (for benchmarks and logs). */
  onFinished?: (stats: { eventsLoaded: number }) => void;
}

/**
 * Resolves a room's state sets (each a StateMap: stateKey(type, state_key) → event ID) into one state.
 * Pure apart from `fetchEvent` (and `fetchAuthChain`): no I/O of its own, no globals, deterministic,
 * independent of the order of `stateSets`. Events the fetcher cannot supply are left out of the
 * conflicted part of the resolution, as Synapse and Ruma do.
 */
export async function resolveState(
  roomVersion: string | RoomVersion,
  stateSets: readonly StateMap[],
  fetchEvent: EventFetcher,
  options: ResolveOptions = {},
): Promise<StateMap> {
  const rv = getRoomVersion(roomVersion);
  if (stateSets.length === 0) return new Map();
  if (stateSets.length === 1) return new Map(stateSets[0]);
  const loader = new EventLoader(fetchEvent);
  const rejected = options.rejectedEventIds ?? new Set<string>();
  const result =
    rv.stateResolution === 'v1'
      ? await resolveV1(stateSets, loader, rejected)
      : await resolveV2(rv, stateSets, { loader, rejected, authChainIndex: options.fetchAuthChain });
  options.onFinished?.({ eventsLoaded: loader.fetchCount });
  return result;
}
