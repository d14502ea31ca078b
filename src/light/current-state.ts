// Learning a room's current state from servers that may lie (MSC4370, calling side; DESIGN §4): ask each
// `via` server for its forward extremities (`GET /extremities`), get the verified state after each one —
// from cache, derived from known states (derive-states.ts), or from the server's `/state_ids` claim
// checked against the extremity (state-claim.ts) — and resolve them with the room version's state
// resolution, the same function the full server uses. Whatever fails a check is left out and reported.
import type { FederationApi } from '../federation/client/federation-api';
import type { VerifyKeyLookup } from '../crypto/event-signing';
import { MatrixError } from '../protocol/errors';
import { MAX_PREV_EVENTS } from '../protocol/pdu';
import type { RoomEvent } from '../protocol/room-event';
import { resolveState } from '../state/resolve-state';
import type { StateMap } from '../protocol/state-map';
import { deriveStates } from './derive-states';
import { Disagreement, kindOfRequestFailure } from './disagreement';
import type { LightRoom } from './light-room';
import type { LightStats } from './light-stats';
import { claimStateAfter } from './state-claim';
import { Budget, VerifyContext, verifyEvents } from './verify-events';
import type { VerifiedEvents } from './verified-events';

export interface CurrentStateOptions {
  /** The servers to ask, in order of preference (earlier ones are asked first for events). */
  via: readonly string[];
  /** At most this many events downloaded in the call (default from the server's options). */
  maxEvents?: number;
  /** The whole call must finish within this many milliseconds (default from the server's options). */
  deadlineMs?: number;
}

export interface LightView {
  roomId: string;
  roomVersion: string;
  /** The resolved current state: stateKey(type, state_key) → verified event. */
  state: Map<string, RoomEvent>;
  /** The same as event IDs. */
  stateIds: StateMap;
  /** What each server answered to `/extremities` (servers that failed are absent). */
  extremities: Record<string, string[]>;
  /** The extremities whose state went into the resolution, newest first (what `send` builds on). */
  used: string[];
  /** How the state after each used extremity was obtained: cached, derived from known states, or a checked /state_ids claim. */
  learnt: Record<string, 'known' | 'derived' | 'claimed'>;
  disagreements: Disagreement[];
  stats: LightStats;
}

export interface LearnDeps {
  api: FederationApi;
  keyLookup: VerifyKeyLookup;
  cache: VerifiedEvents;
  requestTimeoutMs: number;
}

/** The MSC promises at most 20; we read no more from anyone, so a liar cannot make us walk thousands. */
const MAX_EXTREMITIES_PER_SERVER = MAX_PREV_EVENTS;

export async function learnCurrentState(deps: LearnDeps, room: LightRoom, via: readonly string[], budget: Budget, stats: LightStats): Promise<LightView> {
  const disagreements: Disagreement[] = [];
  const call = { timeoutMs: deps.requestTimeoutMs, signal: budget.signal };
  const ctxFor = (server: string): VerifyContext => ({ api: deps.api, keyLookup: deps.keyLookup, cache: deps.cache, roomId: room.roomId, roomVersion: room.roomVersion, server, budget, call });
  const reported = new Set<string>();
  const report = (kind: Disagreement['kind'], servers: string[], reason: string, eventId?: string) => {
    const entry: Disagreement = { kind, servers, reason, ...(eventId !== undefined ? { eventId } : {}) };
    const text = JSON.stringify(entry);
    if (reported.has(text)) return; // the same failure seen on two paths is one disagreement
    reported.add(text);
    disagreements.push(entry);
  };

  const extremities: Record<string, string[]> = {};
  const claimers = new Map<string, string[]>();
  for (const server of new Set(via)) {
    try {
      const ids = (await deps.api.getExtremities(server, room.roomId, call)).slice(0, MAX_EXTREMITIES_PER_SERVER);
      extremities[server] = ids;
      for (const id of ids) claimers.set(id, [...(claimers.get(id) ?? []), server]);
    } catch (error) {
      report(kindOfRequestFailure(error), [server], (error as Error).message);
    }
  }
  const answered = Object.keys(extremities);
  if (answered.length === 0) throw noView(room.roomId, 'no server answered /extremities', disagreements);
  const lists = new Set(answered.map((s) => JSON.stringify([...extremities[s]!].sort())));
  if (lists.size > 1) report('extremities-differ', answered, answered.map((s) => `${s}: ${extremities[s]!.join(', ')}`).join('; '));

  const accepted = new Map<string, StateMap>();
  const settled = new Set<string>(); // accepted or left out for good in this call
  const leaveOut = (id: string) => settled.add(id);
  const learnt: LightView['learnt'] = {};
  const accept = (id: string, state: StateMap, how: 'known' | 'derived' | 'claimed') => {
    learnt[id] = how;
    accepted.set(id, state);
    settled.add(id);
    room.rememberState(id, state);
  };

  // 1. Extremities we already know the state after.
  for (const id of claimers.keys()) {
    const known = room.stateAfter.get(id);
    if (known && deps.cache.get(id)?.rejected === undefined) accept(id, known, 'known');
  }

  // 2. Extremities that descend from known states: fetch what lies between and apply it.
  for (const server of answered) {
    const pending = extremities[server]!.filter((id) => !settled.has(id));
    if (pending.length === 0 || room.stateAfter.size === 0) continue;
    try {
      const derived = await deriveStates(ctxFor(server), room.stateAfter, pending);
      for (const [id, failure] of derived.failures) report(failure.kind === 'wrong-room' ? 'state-wrong-room' : 'unverifiable-event', [server], failure.reason, id);
      for (const [id, state] of derived.states) if (!claimers.has(id)) room.rememberState(id, state);
      for (const id of pending) {
        const state = derived.states.get(id);
        if (state === undefined) continue;
        const rejected = derived.rejected.get(id);
        if (rejected !== undefined) {
          report('auth-failed', claimers.get(id)!, `the extremity fails the auth rules: ${rejected}`, id);
          leaveOut(id);
        } else accept(id, state, 'derived');
      }
    } catch (error) {
      report(kindOfRequestFailure(error), [server], `refreshing from known state: ${(error as Error).message}`);
    }
  }

  // 3. The rest: each claiming server's /state_ids at the extremity, checked; they must agree.
  for (const [id, servers] of claimers) {
    if (settled.has(id)) continue;
    const extremity = await obtainExtremity(servers, id, ctxFor, report);
    if (!extremity) continue;
    const claims: Array<{ server: string; state: StateMap }> = [];
    for (const server of servers) {
      try {
        const claim = await claimStateAfter(ctxFor(server), extremity);
        if (claim.ok) claims.push({ server, state: claim.stateAfter });
        else report(claim.kind, [server], claim.reason, id);
      } catch (error) {
        report(kindOfRequestFailure(error), [server], `state at ${id}: ${(error as Error).message}`, id);
      }
    }
    if (claims.length === 0) continue;
    const differing = claims.filter((c) => !sameState(c.state, claims[0]!.state));
    if (differing.length > 0) {
      report('state-mismatch', claims.map((c) => c.server), describeMismatch(claims[0]!, differing[0]!), id);
      leaveOut(id);
      continue;
    }
    accept(id, claims[0]!.state, 'claimed');
  }

  if (accepted.size === 0) throw noView(room.roomId, 'no extremity could be verified', disagreements);

  // 4. One resolution over the verified states (v1, v2 or v2.1 by room version), reused when unchanged.
  const used = [...accepted.keys()]
    .map((id) => deps.cache.get(id)!.event)
    .sort((a, b) => b.depth - a.depth || (a.eventId < b.eventId ? -1 : 1))
    .map((e) => e.eventId);
  const key = [...used].sort().join(',');
  let stateIds: StateMap;
  if (room.lastResolution?.key === key) stateIds = room.lastResolution.state;
  else {
    stateIds = await resolveState(room.roomVersion, [...accepted.values()], (id) => deps.cache.get(id)?.event, { rejectedEventIds: deps.cache.rejected() });
    room.lastResolution = { key, state: stateIds };
  }
  room.prune(new Set(used));
  const state = new Map<string, RoomEvent>();
  for (const [k, id] of stateIds) {
    const cached = deps.cache.get(id);
    if (cached) state.set(k, cached.event);
  }
  return { roomId: room.roomId, roomVersion: room.roomVersion.id, state, stateIds, extremities, used, learnt, disagreements, stats };
}

/** The extremity itself, from the first claiming server that serves a verifiable copy; reported if it fails auth. */
async function obtainExtremity(
  servers: readonly string[],
  id: string,
  ctxFor: (server: string) => VerifyContext,
  report: (kind: Disagreement['kind'], servers: string[], reason: string, eventId?: string) => void,
): Promise<RoomEvent | undefined> {
  for (const server of servers) {
    const ctx = ctxFor(server);
    let failure;
    try {
      failure = (await verifyEvents(ctx, [id])).get(id);
    } catch (error) {
      report(kindOfRequestFailure(error), [server], `fetching ${id}: ${(error as Error).message}`, id);
      continue;
    }
    if (failure) {
      report(failure.kind === 'wrong-room' ? 'state-wrong-room' : 'unverifiable-event', [server], failure.reason, id);
      continue;
    }
    const verified = ctx.cache.get(id)!;
    if (verified.rejected !== undefined) {
      report('auth-failed', [...servers], `the extremity fails the auth rules against its auth events: ${verified.rejected}`, id);
      return undefined;
    }
    return verified.event;
  }
  return undefined;
}

function sameState(a: StateMap, b: StateMap): boolean {
  if (a.size !== b.size) return false;
  for (const [k, id] of a) if (b.get(k) !== id) return false;
  return true;
}

function describeMismatch(a: { server: string; state: StateMap }, b: { server: string; state: StateMap }): string {
  const keys = new Set([...a.state.keys(), ...b.state.keys()]);
  const differ = [...keys].filter((k) => a.state.get(k) !== b.state.get(k)).slice(0, 5);
  return `${a.server} and ${b.server} give different states at the same event: ${differ.map((k) => `${k}: ${a.state.get(k) ?? '-'} vs ${b.state.get(k) ?? '-'}`).join('; ')}`;
}

function noView(roomId: string, why: string, disagreements: Disagreement[]): MatrixError {
  return new MatrixError(502, 'M_UNKNOWN', `cannot learn the state of ${roomId}: ${why}`, { disagreements });
}
