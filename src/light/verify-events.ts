// Verifying remote events before they count (server-server API "Checks performed on receipt of a PDU",
// steps 1–4): format for the room version, signatures with keys fetched and checked, content hash (the
// event is redacted when it fails), the event ID asked for, the room, and the authorization rules against
// the event's own auth events, walked along the auth chain (fetched from the server where not cached).
import { checkEventAuth } from '../auth/event-auth';
import { createEventIdForRoom } from '../auth/auth-rules';
import type { VerifyKeyLookup } from '../crypto/event-signing';
import { checkPdu } from '../crypto/pdu-checks';
import type { CallOptions, FederationApi } from '../federation/client/federation-api';
import type { RoomEvent } from '../protocol/room-event';
import type { RoomVersion } from '../protocol/room-versions';
import { BudgetExceededError } from './disagreement';
import { currentStats } from './light-stats';
import type { VerifiedEvents } from './verified-events';

/** Bounds on the work one call may do: remote input is hostile. */
export class Budget {
  private fetched = 0;
  constructor(
    readonly maxEvents: number,
    readonly signal: AbortSignal,
  ) {}

  /** Counts `n` downloaded events; throws once the call's budget is spent or its deadline has passed. */
  take(n: number): void {
    if (this.signal.aborted) throw new BudgetExceededError('the call ran past its deadline');
    this.fetched += n;
    const stats = currentStats();
    if (stats) stats.eventsFetched += n;
    if (this.fetched > this.maxEvents) throw new BudgetExceededError(`more than ${this.maxEvents} events would be fetched`);
  }
}

/** Everything verification needs for one room and one server to fetch from. */
export interface VerifyContext {
  api: FederationApi;
  keyLookup: VerifyKeyLookup;
  cache: VerifiedEvents;
  roomId: string;
  roomVersion: RoomVersion;
  /** Where missing events are fetched. */
  server: string;
  budget: Budget;
  call: CallOptions;
}

export interface VerifyFailure {
  kind: 'unverifiable' | 'wrong-room';
  reason: string;
}

/** Parses PDUs a server handed over in bulk (/state, /get_missing_events); those that fail are dropped. */
export async function parseSupplied(ctx: VerifyContext, raws: readonly unknown[]): Promise<RoomEvent[]> {
  ctx.budget.take(raws.length);
  const events: RoomEvent[] = [];
  for (const raw of raws) {
    const checked = await checkPdu(raw, ctx.roomVersion, ctx.keyLookup);
    if (checked.ok && checked.event.roomId === ctx.roomId) events.push(checked.event);
  }
  return events;
}

/** The events an event's auth check needs: its auth events, and in v12 the create event its room ID names. */
function authDependencies(event: RoomEvent): string[] {
  if (!event.roomVersion.roomIdFromCreateEvent || event.type === 'm.room.create') return [...event.authEventIds];
  return [...event.authEventIds, createEventIdForRoom(event.roomId)];
}

const FETCH_CONCURRENCY = 8;

/**
 * Makes sure each of `eventIds` is in the cache, verified (accepted or rejected by the auth rules), and
 * returns the failures: events that could not be fetched or verified, with why. `supplied` are events
 * already parsed (from a bulk answer) that are used before anything is fetched. Failures are not cached,
 * so another server may still supply a good copy.
 */
export async function verifyEvents(ctx: VerifyContext, eventIds: readonly string[], supplied: readonly RoomEvent[] = []): Promise<Map<string, VerifyFailure>> {
  const failures = new Map<string, VerifyFailure>();
  const parsed = new Map<string, RoomEvent>();
  for (const event of supplied) if (!ctx.cache.has(event.eventId)) parsed.set(event.eventId, event);

  const known = (id: string) => ctx.cache.has(id) || parsed.has(id) || failures.has(id);
  let frontier = [...new Set([...eventIds, ...[...parsed.values()].flatMap(authDependencies)])].filter((id) => !known(id));
  while (frontier.length > 0) {
    const batch = frontier;
    const fresh: RoomEvent[] = [];
    for (let i = 0; i < batch.length; i += FETCH_CONCURRENCY) {
      await Promise.all(
        batch.slice(i, i + FETCH_CONCURRENCY).map(async (id) => {
          const event = await fetchOne(ctx, id);
          if ('event' in event) {
            parsed.set(id, event.event);
            fresh.push(event.event);
          } else failures.set(id, event.failure);
        }),
      );
    }
    frontier = [...new Set(fresh.flatMap(authDependencies))].filter((id) => !known(id));
  }

  authCheckInOrder(ctx, parsed, failures);

  for (const id of eventIds) {
    const cached = ctx.cache.get(id);
    if (cached && cached.event.roomId !== ctx.roomId) failures.set(id, { kind: 'wrong-room', reason: `${id} belongs to ${cached.event.roomId}, not ${ctx.roomId}` });
  }
  return failures;
}

async function fetchOne(ctx: VerifyContext, id: string): Promise<{ event: RoomEvent } | { failure: VerifyFailure }> {
  ctx.budget.take(1);
  let raw: unknown;
  try {
    raw = (await ctx.api.getEvent(ctx.server, id, ctx.call)).pdus[0];
  } catch (error) {
    return { failure: { kind: 'unverifiable', reason: `fetching ${id}: ${(error as Error).message}` } };
  }
  const checked = await checkPdu(raw, ctx.roomVersion, ctx.keyLookup);
  if (!checked.ok) return { failure: { kind: 'unverifiable', reason: `${id}: ${checked.error.message}` } };
  if (checked.event.eventId !== id) return { failure: { kind: 'unverifiable', reason: `asked for ${id}, got an event whose ID is ${checked.event.eventId}` } };
  if (checked.event.roomId !== ctx.roomId) return { failure: { kind: 'wrong-room', reason: `${id} belongs to ${checked.event.roomId}, not ${ctx.roomId}` } };
  return { event: checked.event };
}

/**
 * Runs the auth rules on every parsed event once its auth events are settled: a post-order walk with an
 * explicit stack (auth chains can be long), so each event meets only verified auth events. An event whose
 * auth events could not be verified fails too; a cycle (possible only with hostile v1/v2 IDs) fails.
 */
function authCheckInOrder(ctx: VerifyContext, parsed: Map<string, RoomEvent>, failures: Map<string, VerifyFailure>): void {
  const stats = currentStats();
  const onStack = new Set<string>();
  for (const root of parsed.keys()) {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack[stack.length - 1]!;
      const event = parsed.get(id);
      if (!event || ctx.cache.has(id) || failures.has(id)) {
        stack.pop();
        continue;
      }
      const deps = authDependencies(event);
      if (!onStack.has(id)) {
        onStack.add(id);
        for (const dep of deps) {
          if (onStack.has(dep) && parsed.has(dep) && !ctx.cache.has(dep)) failures.set(id, { kind: 'unverifiable', reason: `${id}: its auth events form a cycle` });
          else if (parsed.has(dep) && !ctx.cache.has(dep) && !failures.has(dep)) stack.push(dep);
        }
        continue;
      }
      stack.pop();
      onStack.delete(id);
      if (failures.has(id)) continue;
      const missing = deps.find((dep) => !ctx.cache.has(dep));
      if (missing !== undefined) {
        const why = failures.get(missing)?.reason ?? 'not available';
        failures.set(id, { kind: 'unverifiable', reason: `${id}: auth event ${missing} could not be verified (${why})` });
        continue;
      }
      const authEvents = deps.map((dep) => ctx.cache.get(dep)!.event);
      const verdict = checkEventAuth(event, authEvents, ctx.roomVersion, { rejectedEventIds: ctx.cache.rejected() });
      ctx.cache.put({ event, rejected: verdict.allowed ? undefined : verdict.reason });
      if (stats) stats.eventsVerified++;
    }
  }
}
