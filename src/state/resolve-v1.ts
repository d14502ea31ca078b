// State resolution for room version 1 (spec "Room Version 1 → State resolution"), kept for old rooms.
import type { EventIdSet } from '../protocol/event-id-set';
import { createHash } from 'node:crypto';
import { checkAuthRules } from '../auth';
import { RoomEvent } from '../protocol/room-event';
import { splitConflictedStateV1 } from './conflicted-state';
import { EventLoader } from './event-loader';
import { authKeysFor } from './iterative-auth-checks';
import { parseStateKey, stateKey, StateMap } from '../protocol/state-map';

const POWER_LEVELS_KEY = stateKey('m.room.power_levels', '');

function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Highest depth first, then lowest sha1(event_id) (the order the normal-event step picks in). */
function byDepthDescSha1Asc(events: RoomEvent[]): RoomEvent[] {
  const keyed = events.map((e) => ({ e, sha: sha1Hex(e.eventId) }));
  keyed.sort((a, b) => b.e.depth - a.e.depth || (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0));
  return keyed.map((k) => k.e);
}

async function allowed(event: RoomEvent, resolved: ReadonlyMap<string, string>, overrides: ReadonlyMap<string, RoomEvent>, loader: EventLoader, rejected: EventIdSet): Promise<boolean> {
  const authState = new Map<string, RoomEvent>();
  const keys = authKeysFor(event);
  await loader.load(keys.flatMap((k) => (overrides.has(k) ? [] : resolved.has(k) ? [resolved.get(k)!] : [])));
  for (const key of keys) {
    const auth = overrides.get(key) ?? (resolved.has(key) ? loader.get(resolved.get(key)!) : undefined);
    if (auth) authState.set(key, auth);
  }
  return checkAuthRules(event, authState, event.roomVersion, { rejectedEventIds: rejected }).allowed;
}

/**
 * Power levels, join rules and memberships: sort by ascending depth then descending sha1(event_id), take
 * the first, then keep taking the next while the auth rules allow it in the state so far; stop at the
 * first that fails.
 */
async function resolveAuthKey(events: RoomEvent[], resolved: StateMap, loader: EventLoader, rejected: EventIdSet): Promise<RoomEvent> {
  const ascending = byDepthDescSha1Asc(events).reverse();
  const overrides = new Map<string, RoomEvent>();
  let current = ascending[0]!;
  for (const next of ascending.slice(1)) {
    overrides.set(stateKey(current.type, current.stateKey!), current);
    if (!(await allowed(next, resolved, overrides, loader, rejected))) break;
    current = next;
  }
  return current;
}

/** Every other key: the highest-depth, lowest-sha1 event that passes auth; the last one if none does (as Synapse). */
async function resolveNormalKey(events: RoomEvent[], resolved: StateMap, loader: EventLoader, rejected: EventIdSet): Promise<RoomEvent> {
  const ordered = byDepthDescSha1Asc(events);
  for (const event of ordered) if (await allowed(event, resolved, new Map(), loader, rejected)) return event;
  return ordered[ordered.length - 1]!;
}

/**
 * R starts as the union of the state sets without conflicting keys; then the conflicts are resolved in
 * passes: power levels, join rules, memberships (each pass authorised against R as it stood before the
 * pass, as Synapse does), then all other keys.
 */
export async function resolveV1(stateSets: readonly StateMap[], loader: EventLoader, rejected: EventIdSet): Promise<StateMap> {
  const split = splitConflictedStateV1(stateSets);
  const resolved: StateMap = new Map(split.unconflicted);
  const conflicted = new Map<string, RoomEvent[]>();
  for (const [key, ids] of split.conflicted) {
    await loader.load(ids);
    const events = [...ids].map((id) => loader.get(id)).filter((e): e is RoomEvent => e !== undefined && e.stateKey !== undefined);
    if (events.length === 1) resolved.set(key, events[0]!.eventId);
    else if (events.length > 1) conflicted.set(key, events);
  }
  const typeOf = (key: string): string => parseStateKey(key)[0];
  const passes: ((key: string) => boolean)[] = [
    (key) => key === POWER_LEVELS_KEY,
    (key) => typeOf(key) === 'm.room.join_rules',
    (key) => typeOf(key) === 'm.room.member',
  ];
  const done = new Set<string>();
  for (const inPass of passes) {
    const winners = new Map<string, string>();
    for (const [key, events] of conflicted) {
      if (!inPass(key) || done.has(key)) continue;
      winners.set(key, (await resolveAuthKey(events, resolved, loader, rejected)).eventId);
      done.add(key);
    }
    for (const [key, id] of winners) resolved.set(key, id);
  }
  const winners = new Map<string, string>();
  for (const [key, events] of conflicted) {
    if (done.has(key)) continue;
    winners.set(key, (await resolveNormalKey(events, resolved, loader, rejected)).eventId);
  }
  for (const [key, id] of winners) resolved.set(key, id);
  return resolved;
}
