// MSC4370 anti-entropy: every interval (with jitter) each room we are in asks a few of its servers for
// their forward extremities. What they have that we lack is fetched (/get_missing_events, then the
// tips) and ingested like a /send; when they are behind us, our newer events are pushed to them. It
// heals a divergence that no new event would heal (a lost transaction), and costs a quiet room one
// request per peer asked per interval.
import type { Logger } from 'pino';
import type { RoomService } from '../../rooms/room-service';
import type { Storage } from '../../storage';
import type { FederationApi } from '../client/federation-api';
import { isUnrecognizedEndpoint } from '../client/extremities-call';
import type { PduIntake } from '../pdu-intake';
import type { Pdu } from '../../protocol/pdu';
import type { Counter } from '../../metrics/metrics-registry';

export interface AntiEntropyMetrics {
  polls: Counter;
  healed: Counter;
  pushed: Counter;
}

export interface AntiEntropyOptions {
  serverName: string;
  storage: Storage;
  rooms: Pick<RoomService, 'participating' | 'joinedServers' | 'prevEventsFor'>;
  api: Pick<FederationApi, 'getExtremities' | 'getMissingEvents' | 'getEvent'>;
  intake: Pick<PduIntake, 'process' | 'newBudget' | 'check'>;
  /** Where pushed events go: the outbound transaction sender. */
  sender: { enqueue(destinations: Iterable<string>, item: { eventId: string; roomId: string; pdu: Pdu }): void };
  intervalMs: number;
  /** Whether the room's server ACL admits a server (spec "Server Access Control Lists"); default: all. */
  serverAllowed?: (roomId: string, serverName: string) => boolean;
  /** Servers asked per room per interval (a bounded number, rotating through the room's servers). Default 3. */
  peersPerPoll?: number;
  /** A server that served neither extremities path is skipped this long before we try it again. Default 1 h. */
  unsupportedRetryMs?: number;
  metrics?: AntiEntropyMetrics;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

/** What one poll of one peer did. */
export type PeerPollResult =
  | { peer: string; outcome: 'same' | 'unsupported' | 'failed' | 'untrustworthy' | 'behind-already-pushed' }
  | { peer: string; outcome: 'healed'; events: number }
  | { peer: string; outcome: 'pushed'; events: number };

/** /get_missing_events rounds per peer per poll (each at most 20 events, the endpoint's cap). */
const PULL_ROUNDS = 10;
const MISSING_EVENTS_LIMIT = 20;
/** Events pushed to a peer that is behind, at most, per poll; it fills older gaps itself from the newest. */
const PUSH_LIMIT = 50;
const REQUEST_TIMEOUT_MS = 10_000;
/** The most extremities an honest answer holds (MSC4370 caps it at 20); more are not followed. */
const MAX_THEIR_EXTREMITIES = 20;

/** An answer that carried an event of another room, or another event than the one asked for. */
class UntrustworthyAnswer extends Error {}

export class AntiEntropy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly controller = new AbortController();
  /** Per room, where the rotation through its servers stands. */
  private readonly cursor = new Map<string, number>();
  /** Servers that serve neither extremities path, and since when we know it. */
  private readonly unsupported = new Map<string, number>();
  /** Per room and peer, the extremities we last pushed from: a peer that stays behind is not pushed the same events again. */
  private readonly lastPush = new Map<string, string>();
  /** Extremities a pull could not take (dropped, unfetchable, a lie): not asked for again until then. */
  private readonly notUntil = new Map<string, number>();

  constructor(private readonly options: AntiEntropyOptions) {}

  start(): void {
    if (this.options.intervalMs > 0 && !this.stopped) this.schedule();
  }

  /** Stops the timer and cancels a poll under way; resolves once it has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.controller.abort();
    await this.running;
  }

  /** One round over every room we are in (what each tick runs). */
  async pollAll(): Promise<PeerPollResult[]> {
    const results: PeerPollResult[] = [];
    // Rooms with forward extremities: a small table, unlike listRooms' event counts.
    for (const { roomId } of this.options.storage.forwardExtremityCounts()) {
      if (this.stopped) break;
      if (!this.options.rooms.participating(roomId)) continue;
      results.push(...(await this.pollRoom(roomId)));
    }
    return results;
  }

  /** Asks up to peersPerPoll of the room's servers for their extremities and acts on each answer. */
  async pollRoom(roomId: string): Promise<PeerPollResult[]> {
    const peers = this.peersFor(roomId);
    const answers = await Promise.all(peers.map(async (peer) => ({ peer, answer: await this.askExtremities(peer, roomId) })));
    const results: PeerPollResult[] = [];
    for (const { peer, answer } of answers) {
      if (this.stopped) break;
      if (typeof answer === 'string') results.push({ peer, outcome: answer });
      else results.push(await this.reconcile(roomId, peer, answer));
    }
    return results;
  }

  private schedule(): void {
    const random = this.options.random ?? Math.random;
    // ±20 % jitter, so that servers started together do not poll each other in lockstep.
    const delay = this.options.intervalMs * (0.8 + 0.4 * random());
    this.timer = setTimeout(() => {
      this.running = this.pollAll()
        .then(() => undefined)
        .catch((error: unknown) => {
          if (!this.stopped) this.options.logger.warn({ error: (error as Error).message }, 'anti-entropy round failed');
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, delay);
    this.timer.unref?.();
  }

  /** The next few servers of the room in rotation, without us and without those known not to serve /extremities. */
  private peersFor(roomId: string): string[] {
    const now = (this.options.now ?? Date.now)();
    const retry = this.options.unsupportedRetryMs ?? 3600_000;
    const all = this.options.rooms.joinedServers(roomId).filter((s) => {
      if (s === this.options.serverName) return false;
      // A server the room's ACL denies is not one we take events from (spec "Server Access Control Lists").
      if (this.options.serverAllowed && !this.options.serverAllowed(roomId, s)) return false;
      const since = this.unsupported.get(s);
      return since === undefined || now - since >= retry;
    });
    const count = Math.min(all.length, this.options.peersPerPoll ?? 3);
    const start = this.cursor.get(roomId) ?? 0;
    this.cursor.set(roomId, all.length === 0 ? 0 : (start + count) % all.length);
    return Array.from({ length: count }, (_, i) => all[(start + i) % all.length]!);
  }

  private async askExtremities(peer: string, roomId: string): Promise<string[] | 'unsupported' | 'failed'> {
    this.options.metrics?.polls.inc();
    try {
      return await this.options.api.getExtremities(peer, roomId, this.callOptions());
    } catch (error) {
      if (isUnrecognizedEndpoint(error)) {
        this.unsupported.set(peer, (this.options.now ?? Date.now)());
        this.options.logger.info({ peer }, 'anti-entropy: server serves neither extremities path; skipping it');
        return 'unsupported';
      }
      if (!this.stopped) this.options.logger.debug({ peer, roomId, error: (error as Error).message }, 'anti-entropy: extremities poll failed');
      return 'failed';
    }
  }

  private callOptions(): { timeoutMs: number; signal: AbortSignal } {
    return { timeoutMs: REQUEST_TIMEOUT_MS, signal: this.controller.signal };
  }

  private async reconcile(roomId: string, peer: string, answer: string[]): Promise<PeerPollResult> {
    const { storage } = this.options;
    if (answer.length > MAX_THEIR_EXTREMITIES) this.options.logger.warn({ peer, roomId, extremities: answer.length }, `anti-entropy: more than ${MAX_THEIR_EXTREMITIES} extremities in an answer; following the first ${MAX_THEIR_EXTREMITIES}`);
    const theirs = answer.slice(0, MAX_THEIR_EXTREMITIES);
    const now = (this.options.now ?? Date.now)();
    const wanted = theirs.filter((id) => !this.inGraph(id) && !((this.notUntil.get(id) ?? 0) > now));
    if (wanted.length > 0) {
      const result = await this.pull(roomId, peer, theirs);
      // What is still missing now would cost the same requests again next time: wait ten intervals.
      if (this.notUntil.size > 10_000) this.notUntil.clear();
      for (const id of theirs) if (!this.inGraph(id)) this.notUntil.set(id, now + 10 * this.options.intervalMs);
      return result;
    }
    if (theirs.some((id) => !this.inGraph(id))) return { peer, outcome: 'failed' };
    const ours = storage.getForwardExtremities(roomId).map((e) => e.eventId);
    const theirSet = new Set(theirs);
    if (ours.every((id) => theirSet.has(id))) return { peer, outcome: 'same' };
    return this.push(roomId, peer, theirs, ours);
  }

  /** Stored as part of the graph (an outlier is not: its place in the timeline is still unknown). */
  private inGraph(eventId: string): boolean {
    const stored = this.options.storage.getEvent(eventId);
    return stored !== undefined && !stored.outlier;
  }

  /**
   * Their extremities we lack: the events between our extremities and them (/get_missing_events,
   * earliest = ours, latest = theirs, oldest first), then the tips themselves (/event), each through
   * the same intake as a /send from that peer (checks, gap filling within a fetch budget, auth).
   */
  private async pull(roomId: string, peer: string, theirs: string[]): Promise<PeerPollResult> {
    const { api, intake, storage, rooms, logger } = this.options;
    const budget = intake.newBudget();
    let healed = 0;
    const take = async (raw: unknown) => {
      const result = await intake.process(peer, raw, budget);
      if (result.status === 'accepted' || result.status === 'soft-failed' || result.status === 'rejected') healed++;
      return result;
    };
    try {
      await storage.groupCommit(async () => {
        for (let round = 0; round < PULL_ROUNDS && !this.stopped; round++) {
          const missing = theirs.filter((id) => !this.inGraph(id));
          if (missing.length === 0) break;
          const earliest = rooms.prevEventsFor(roomId, 20).map((e) => e.eventId);
          const { events } = await api.getMissingEvents(peer, roomId, { earliest_events: earliest, latest_events: missing, limit: MISSING_EVENTS_LIMIT, min_depth: 0 }, this.callOptions());
          // Every event taken into a room belongs to that room: one of another room spoils the whole answer.
          const foreign = events.find((raw) => raw.room_id !== roomId);
          if (foreign) throw new UntrustworthyAnswer(`/get_missing_events answered an event of ${String(foreign.room_id)}`);
          const fresh = events.filter((raw) => typeof raw.event_id !== 'string' || !this.inGraph(raw.event_id)).sort((a, b) => depthOf(a) - depthOf(b));
          for (const raw of fresh.slice(0, MISSING_EVENTS_LIMIT)) await take(raw);
          // Fewer than a full page: the gap is closed; the tips themselves come next.
          if (events.length < MISSING_EVENTS_LIMIT) break;
        }
        for (const id of theirs.filter((t) => !this.inGraph(t))) {
          if (this.stopped) break;
          const { pdus } = await api.getEvent(peer, id, this.callOptions());
          const checked = await intake.check(pdus[0]);
          if (!checked.ok || checked.event.eventId !== id || checked.event.roomId !== roomId) {
            throw new UntrustworthyAnswer(`/event/${id} did not answer that event of ${roomId}${checked.ok ? ` (got ${checked.event.eventId} of ${checked.event.roomId})` : `: ${checked.reason}`}`);
          }
          await take(pdus[0]);
        }
      });
    } catch (error) {
      const untrusted = error instanceof UntrustworthyAnswer;
      if (!this.stopped) logger.warn({ peer, roomId, healed, untrusted, error: (error as Error).message }, untrusted ? 'anti-entropy: untrustworthy answer; nothing more taken from it' : 'anti-entropy: fetching missing events failed');
      if (healed === 0) return { peer, outcome: untrusted ? 'untrustworthy' : 'failed' };
    }
    if (healed > 0) {
      this.options.metrics?.healed.inc({}, healed);
      logger.info({ roomId, peer, events: healed }, `anti-entropy: healed ${healed} events from ${peer}`);
    }
    return { peer, outcome: 'healed', events: healed };
  }

  /**
   * Every one of their extremities is in our graph and ours are not all theirs: they are behind
   * (or their answer was capped). Our newest events after theirs go to them in /send transactions,
   * and they fill any older gap themselves; the same push is not repeated while nothing changes.
   */
  private push(roomId: string, peer: string, theirs: string[], ours: string[]): PeerPollResult {
    const { storage, sender, logger } = this.options;
    const key = `${roomId}\u0000${peer}`;
    const signature = [...ours].sort().join(',');
    if (this.lastPush.get(key) === signature) return { peer, outcome: 'behind-already-pushed' };
    this.lastPush.set(key, signature);
    const between = storage.getMissingEvents(roomId, theirs, ours, PUSH_LIMIT);
    const tips = storage.getEvents(ours).map((s) => s.event);
    const seen = new Set<string>();
    const events = [...between, ...tips]
      .filter((e) => !seen.has(e.eventId) && seen.add(e.eventId))
      .sort((a, b) => a.depth - b.depth || (a.eventId < b.eventId ? -1 : 1))
      .slice(-PUSH_LIMIT);
    for (const event of events) sender.enqueue([peer], { eventId: event.eventId, roomId, pdu: event.pdu });
    this.options.metrics?.pushed.inc({}, events.length);
    logger.info({ roomId, peer, events: events.length }, `anti-entropy: ${peer} is behind; pushed ${events.length} events`);
    return { peer, outcome: 'pushed', events: events.length };
  }
}

function depthOf(raw: Record<string, unknown>): number {
  return typeof raw.depth === 'number' ? raw.depth : 0;
}
