// One server's claim of the state at an extremity, checked: `/state_ids` at the event (spec "Retrieving
// the state of a room" — the state *before* it), the events we lack fetched and verified (`/event` each,
// or `/state` when most are missing), then checked against the extremity itself. The state *after* it is
// that state plus the extremity when it is a state event that passes auth.
import { checkAuthRules } from '../auth/auth-rules';
import type { RoomEvent } from '../protocol/room-event';
import { StateMap, stateKey } from '../protocol/state-map';
import { authStateOf } from './auth-state-of';
import type { DisagreementKind } from './disagreement';
import { parseSupplied, VerifyContext, verifyEvents } from './verify-events';

export type StateClaim = { ok: true; stateAfter: StateMap } | { ok: false; kind: DisagreementKind; reason: string };

/** Past this many missing events, and when they are most of the state, one `/state` beats many `/event`. */
const BULK_THRESHOLD = 20;

function bad(kind: DisagreementKind, reason: string): StateClaim {
  return { ok: false, kind, reason };
}

/**
 * `extremity` must be verified and accepted already. Request failures are thrown (the caller names the
 * server); a claim that fails a check is returned as such and nothing of it counts.
 */
export async function claimStateAfter(ctx: VerifyContext, extremity: RoomEvent): Promise<StateClaim> {
  const { pdu_ids: ids } = await ctx.api.getStateIds(ctx.server, ctx.roomId, extremity.eventId, ctx.call);
  if (new Set(ids).size !== ids.length) return bad('state-invalid', 'the state lists an event twice');
  const missing = ids.filter((id) => !ctx.cache.has(id));
  let supplied: RoomEvent[] = [];
  if (missing.length > BULK_THRESHOLD && missing.length * 2 > ids.length) {
    const answer = await ctx.api.getState(ctx.server, ctx.roomId, extremity.eventId, ctx.call);
    supplied = await parseSupplied(ctx, [...answer.pdus, ...answer.auth_chain]);
    // A server's /state must hold what its /state_ids names; fetching the rest one by one would let a
    // liar listing made-up IDs cost us a request each.
    const held = new Set(supplied.map((e) => e.eventId));
    const absent = missing.filter((id) => !held.has(id));
    if (absent.length > 0) return bad('unverifiable-event', `/state_ids names ${absent.length} events its /state does not hold or that fail the PDU checks, e.g. ${absent[0]}`);
  }
  const failures = await verifyEvents(ctx, ids, supplied);

  const before: StateMap = new Map();
  for (const id of ids) {
    const failure = failures.get(id);
    if (failure) return bad(failure.kind === 'wrong-room' ? 'state-wrong-room' : 'unverifiable-event', failure.reason);
    const { event, rejected } = ctx.cache.get(id)!;
    if (event.stateKey === undefined) return bad('state-invalid', `${id} is not a state event`);
    if (rejected !== undefined) return bad('state-invalid', `${id} is in the state but fails the auth rules: ${rejected}`);
    const key = stateKey(event.type, event.stateKey);
    if (before.has(key)) return bad('state-invalid', `two events for (${event.type}, ${JSON.stringify(event.stateKey)})`);
    before.set(key, id);
  }
  if (!before.has(stateKey('m.room.create', ''))) return bad('state-invalid', 'the state has no create event');

  // The extremity's auth events were selected from the state before it (spec "Auth events selection"),
  // so that state holds each of them at its key: another event there, or none, means the claim is wrong.
  for (const authId of extremity.authEventIds) {
    const auth = ctx.cache.get(authId)!.event;
    const key = stateKey(auth.type, auth.stateKey ?? '');
    const held = before.get(key);
    if (held !== authId) {
      return bad('state-contradicts-auth-events', `at (${auth.type}, ${JSON.stringify(auth.stateKey)}) the state holds ${held ?? 'nothing'}; ${extremity.eventId} cites ${authId}`);
    }
  }
  // Step 5 of the receipt checks: the extremity passes the auth rules on the state before it.
  const verdict = checkAuthRules(extremity, authStateOf(extremity, before, ctx.cache), ctx.roomVersion);
  if (!verdict.allowed) return bad('state-contradicts-auth-events', `${extremity.eventId} fails the auth rules on this state: ${verdict.reason}`);

  const after = new Map(before);
  if (extremity.stateKey !== undefined) after.set(stateKey(extremity.type, extremity.stateKey), extremity.eventId);
  return { ok: true, stateAfter: after };
}
