// Refreshing cheaply: when new extremities descend from events whose state we know, fetch only the
// events in between (`/get_missing_events`, earliest = known, latest = new) and apply them ourselves —
// the auth rules against the state before each event (receipt check 5) and state resolution at merges.
//
//     K1 ── e1 ── e2 ── X          state(e1) = state(K1) + e1 if e1 passes on state(K1)
//      \               /           state(X)  = resolve(state(e2), state(e3)) + X
//     K2 ──── e3 ─────             (K1, K2: known states; e1…e3, X: fetched and applied)
//
// An event whose parents' states are not all known cannot be derived; its extremity falls back to
// `/state_ids` (state-claim.ts). Nothing a server says about state is taken on trust on this path.
import { checkAuthRules } from '../auth/auth-rules';
import type { RoomEvent } from '../protocol/room-event';
import { resolveState } from '../state/resolve-state';
import { StateMap, stateKey } from '../protocol/state-map';
import { authStateOf } from './auth-state-of';
import { parseSupplied, VerifyContext, VerifyFailure, verifyEvents } from './verify-events';

export interface Derived {
  /** State after each event that could be derived (the new extremities among them). */
  states: Map<string, StateMap>;
  /** Events, among the derived, that fail the auth rules on the state before them (they change nothing). */
  rejected: Map<string, string>;
  /** Events this server served that failed verification (never cached). */
  failures: Map<string, VerifyFailure>;
}

/** `/get_missing_events` never returns more than this many (dagmar's and Synapse's cap is 20). */
export const MISSING_EVENTS_LIMIT = 20;
/** How many known events we name as `earliest_events` (the newest ones). */
const MAX_EARLIEST = 20;

/**
 * Derives the state after `latest` (verified or fetched here) from `known` states. Returns what could be
 * derived; request failures are thrown for the caller to report.
 */
export async function deriveStates(ctx: VerifyContext, known: ReadonlyMap<string, StateMap>, latest: readonly string[]): Promise<Derived> {
  const derived: Derived = { states: new Map(), rejected: new Map(), failures: new Map() };
  if (known.size === 0 || latest.length === 0) return derived;
  const earliest = [...known.keys()]
    .map((id) => ctx.cache.get(id)?.event)
    .filter((e): e is RoomEvent => e !== undefined)
    .sort((a, b) => b.depth - a.depth)
    .slice(0, MAX_EARLIEST)
    .map((e) => e.eventId);
  const answer = await ctx.api.getMissingEvents(ctx.server, ctx.roomId, { earliest_events: earliest, latest_events: latest, limit: MISSING_EVENTS_LIMIT }, ctx.call);
  const between = await parseSupplied(ctx, answer.events.slice(0, MISSING_EVENTS_LIMIT));
  const failures = await verifyEvents(ctx, [...new Set([...between.map((e) => e.eventId), ...latest])], between);
  for (const [id, failure] of failures) derived.failures.set(id, failure);

  const events = new Map<string, RoomEvent>();
  for (const id of [...between.map((e) => e.eventId), ...latest]) {
    const cached = ctx.cache.get(id);
    if (cached && !failures.has(id)) events.set(id, cached.event);
  }
  const stateOf = (id: string) => known.get(id) ?? derived.states.get(id);
  for (const event of parentsFirst(events)) {
    const parents = event.prevEventIds.map(stateOf);
    if (parents.length === 0 || parents.some((s) => s === undefined)) continue;
    const before =
      parents.length === 1
        ? parents[0]!
        : await resolveState(ctx.roomVersion, parents as StateMap[], (id) => ctx.cache.get(id)?.event, { rejectedEventIds: ctx.cache.rejected() });
    const own = ctx.cache.get(event.eventId)!.rejected;
    const verdict = own === undefined ? checkAuthRules(event, authStateOf(event, before, ctx.cache), ctx.roomVersion) : { allowed: false as const, reason: own };
    if (!verdict.allowed) {
      derived.rejected.set(event.eventId, verdict.reason);
      derived.states.set(event.eventId, before);
      continue;
    }
    const after = event.stateKey === undefined ? before : new Map(before).set(stateKey(event.type, event.stateKey), event.eventId);
    derived.states.set(event.eventId, after);
  }
  return derived;
}

/** The events ordered so that each comes after its parents within the set (post-order on prev edges). */
function parentsFirst(events: ReadonlyMap<string, RoomEvent>): RoomEvent[] {
  const order: RoomEvent[] = [];
  const done = new Set<string>();
  const onStack = new Set<string>();
  for (const root of events.keys()) {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack[stack.length - 1]!;
      if (done.has(id)) {
        stack.pop();
        continue;
      }
      const event = events.get(id)!;
      if (!onStack.has(id)) {
        onStack.add(id);
        for (const prev of event.prevEventIds) if (events.has(prev) && !done.has(prev) && !onStack.has(prev)) stack.push(prev);
        continue;
      }
      stack.pop();
      onStack.delete(id);
      done.add(id);
      order.push(event);
    }
  }
  return order;
}
