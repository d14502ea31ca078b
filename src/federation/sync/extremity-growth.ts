// Extremity growth control: a room with more forward extremities than the limit gets a dummy event
// (`org.matrix.dummy_event`, as Synapse sends) merging up to 20 of them, at most one per room per
// interval, sent by one of our joined users that the room lets send it. It keeps the set small, so
// that MSC4370's /extremities answer (capped at maxPrevEvents) is the complete set in steady state.
import type { Logger } from 'pino';
import { MatrixError } from '../../protocol/errors';
import { parseUserId } from '../../protocol/identifiers';
import type { RoomService } from '../../rooms/room-service';
import { parseStateKey, stateKeyPrefix } from '../../protocol/state-map';
import type { Storage } from '../../storage';
import type { Counter } from '../../metrics/metrics-registry';

export const DUMMY_EVENT_TYPE = 'org.matrix.dummy_event';
/** The most prev_events one event may have that every server accepts (MSC4370 and Synapse's limit). */
const MERGE_AT_MOST = 20;
const MEMBER_KEYS = stateKeyPrefix('m.room.member');

export interface ExtremityGrowthOptions {
  serverName: string;
  storage: Storage;
  rooms: Pick<RoomService, 'sendLocalEvent'>;
  /** More forward extremities than this → a dummy event. */
  limit: number;
  /** At most one dummy event per room per this many ms. */
  minIntervalMs: number;
  logger: Logger;
  dummyEvents?: Counter;
  now?: () => number;
}

export class ExtremityGrowthControl {
  private readonly lastSent = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly busy = new Set<string>();
  private stopped = false;

  constructor(private readonly options: ExtremityGrowthOptions) {}

  /** Called after every event stored in a room's graph (and for every room at start): checks it soon. */
  noteRoom(roomId: string): void {
    if (this.stopped || this.timers.has(roomId) || this.busy.has(roomId)) return;
    if (this.options.storage.getForwardExtremities(roomId, this.options.limit + 1).length <= this.options.limit) return;
    const now = this.options.now ?? Date.now;
    // The first one waits an interval too: forks arriving in a burst (one /send) settle first, and a
    // set that shrinks by itself (our next message merges 10) needs no dummy event at all.
    const last = this.lastSent.get(roomId);
    const wait = last === undefined ? this.options.minIntervalMs : Math.max(0, last + this.options.minIntervalMs - now());
    const timer = setTimeout(() => {
      this.timers.delete(roomId);
      void this.merge(roomId);
    }, wait);
    timer.unref?.();
    this.timers.set(roomId, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * One dummy event on the oldest extremities (the newest are what fresh events build on anyway):
   *
   *   e1  e2 … e20  e21 … e200        →   e21 … e200, D      (200 → 181)
   *     ╲  │   ╱
   *        D
   * Then noteRoom again, which waits out the interval before the next one.
   */
  private async merge(roomId: string): Promise<void> {
    const { storage, limit, logger } = this.options;
    const extremities = storage.getForwardExtremities(roomId);
    if (this.stopped || extremities.length <= limit) return;
    const prevEventIds = [...extremities]
      .sort((a, b) => a.depth - b.depth || (a.eventId < b.eventId ? -1 : 1))
      .slice(0, MERGE_AT_MOST)
      .map((e) => e.eventId);
    this.busy.add(roomId);
    const now = this.options.now ?? Date.now;
    try {
      for (const sender of this.joinedUsersOfOurs(roomId)) {
        try {
          const event = await this.options.rooms.sendLocalEvent(roomId, { type: DUMMY_EVENT_TYPE, sender, content: {} }, { prevEventIds });
          this.lastSent.set(roomId, now());
          this.options.dummyEvents?.inc();
          logger.info({ roomId, eventId: event.eventId, merged: prevEventIds.length, before: extremities.length }, 'sent a dummy event merging forward extremities');
          // Our own event's persist came while we were busy: look again, an interval from now.
          this.busy.delete(roomId);
          this.noteRoom(roomId);
          return;
        } catch (error) {
          // This user may not send it (power levels): the next one may.
          if (!(error instanceof MatrixError) || error.status !== 403) throw error;
        }
      }
      // Nobody of ours can send in the room: leave it alone until its next event (noteRoom again).
      this.lastSent.set(roomId, now());
      logger.debug({ roomId, extremities: extremities.length }, 'too many forward extremities, but none of our users can send a dummy event');
    } catch (error) {
      logger.warn({ roomId, error: (error as Error).message }, 'dummy event failed');
    } finally {
      this.busy.delete(roomId);
    }
  }

  /** Our users whose membership in the current state is `join`, sorted. */
  private joinedUsersOfOurs(roomId: string): string[] {
    const { storage, serverName } = this.options;
    const users: string[] = [];
    for (const [key, eventId] of storage.getCurrentState(roomId)) {
      if (!key.startsWith(MEMBER_KEYS)) continue;
      const userId = parseStateKey(key)[1];
      if (parseUserId(userId)?.serverName !== serverName) continue;
      if (storage.getEvent(eventId)?.event.content.membership === 'join') users.push(userId);
    }
    return users.sort();
  }
}
