// The outbound sender: one queue per destination, at most 50 PDUs per transaction, exponential backoff,
// and catch-up after an outage by sending the newest events and letting the receiver fill its gaps.
import { randomBytes } from 'node:crypto';
import { Pdu } from '../../protocol/pdu';
import type { OutboundQueueStore } from '../../storage/outbound-queue-store';

/** The spec's limit on PDUs in one /send transaction. */
export const MAX_PDUS_PER_TRANSACTION = 50;

export interface OutboundTransaction {
  origin: string;
  origin_server_ts: number;
  pdus: Pdu[];
  edus: unknown[];
}

/** Sends one transaction (PUT /_matrix/federation/v1/send/{txnId}); throws on network or HTTP failure. */
export type TransactionTransport = (destination: string, txnId: string, body: OutboundTransaction) => Promise<unknown>;

export interface SenderOptions {
  origin: string;
  store: OutboundQueueStore;
  transport: TransactionTransport;
  /** First retry delay; doubles per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** After an outage, how many of the newest PDUs per room are still worth sending. */
  catchUpPerRoom?: number;
  now?: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

interface DestinationState {
  sending: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

export class TransactionSender {
  private readonly idleWaiters: Array<() => void> = [];
  private readonly destinations = new Map<string, DestinationState>();
  private stopped = false;

  constructor(private readonly options: SenderOptions) {}

  /** Queues a PDU for each destination and starts sending where idle. */
  enqueue(destinations: Iterable<string>, item: { eventId: string; roomId: string; pdu: Pdu }): void {
    for (const destination of destinations) {
      if (destination === this.options.origin) continue;
      this.options.store.enqueue(destination, [item]);
      this.kick(destination);
    }
  }

  /** Resumes every destination that still has a queue (after a restart). */
  resume(): void {
    for (const destination of this.options.store.destinations()) this.kick(destination);
  }

  /** Sends to a destination now, cancelling any backoff (e.g. it just contacted us). */
  wake(destination: string): void {
    const state = this.state(destination);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    this.kick(destination);
  }

  /** Resolves once nothing is queued or in flight for any destination without a pending retry. */
  async idle(): Promise<void> {
    if (!this.busy()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private busy(): boolean {
    return [...this.destinations.values()].some((s) => s.sending);
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.destinations.values()) if (state.timer) clearTimeout(state.timer);
  }

  pendingFor(destination: string): number {
    return this.options.store.size(destination);
  }

  private state(destination: string): DestinationState {
    let state = this.destinations.get(destination);
    if (!state) {
      state = { sending: false, failures: 0, timer: undefined };
      this.destinations.set(destination, state);
    }
    return state;
  }

  private kick(destination: string): void {
    const state = this.state(destination);
    if (state.sending || state.timer || this.stopped) return;
    state.sending = true;
    void this.drain(destination, state);
  }

  private async drain(destination: string, state: DestinationState): Promise<void> {
    const { store, transport, origin } = this.options;
    const now = this.options.now ?? Date.now;
    try {
      while (!this.stopped) {
        if (state.failures > 0) {
          const dropped = store.trimToNewest(destination, this.options.catchUpPerRoom ?? 10);
          if (dropped > 0) this.options.log?.('catch-up: dropped older queued PDUs; the receiver fills gaps', { destination, dropped });
        }
        const batch = store.peek(destination, MAX_PDUS_PER_TRANSACTION);
        if (batch.length === 0) break;
        const txnId = `${now()}-${randomBytes(6).toString('base64url')}`;
        await transport(destination, txnId, { origin, origin_server_ts: now(), pdus: batch.map((b) => b.pdu), edus: [] });
        store.ack(destination, batch[batch.length - 1]!.seq);
        if (state.failures > 0) this.options.log?.('destination is back', { destination, failures: state.failures });
        state.failures = 0;
      }
    } catch (error) {
      state.failures++;
      const base = this.options.initialBackoffMs ?? 1000;
      const delay = Math.min(base * 2 ** (state.failures - 1), this.options.maxBackoffMs ?? 3600_000);
      this.options.log?.('transaction failed; will retry', { destination, failures: state.failures, retryInMs: delay, error: (error as Error).message });
      if (!this.stopped) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          this.kick(destination);
        }, delay);
        state.timer.unref?.();
      }
    } finally {
      state.sending = false;
      // Whoever waits in idle() is told the moment the last destination stops sending (no polling).
      if (!this.busy()) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
