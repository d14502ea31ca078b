// The metrics one homeserver exposes on GET /metrics: PDUs by outcome, forward extremities per room
// (read from storage at scrape time) and HTTP request latency.
import { apiOf } from '../http/api-of-path';
import type { Storage } from '../storage';
import { CallbackGauge, Counter, Histogram, MetricsRegistry } from './metrics-registry';


/** The outcome of a PDU that reached the room service (see rooms/ingest-pipeline.ts). */
export type PduOutcome = 'accepted' | 'soft-failed' | 'rejected' | 'duplicate';

// Seconds; from a cached read to a /send with gap filling over a slow peer.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];


export class HomeserverMetrics {
  readonly registry = new MetricsRegistry();
  /** PDUs that arrived in federation /send transactions, before any check. */
  readonly pdusReceived: Counter;
  readonly pdusPersisted: Counter;
  readonly pdusRejected: Counter;
  readonly pdusSoftFailed: Counter;
  readonly requestDuration: Histogram;
  /** MSC4370 anti-entropy (federation/sync/anti-entropy.ts): extremity polls, events healed from peers, events pushed to peers behind us. */
  readonly antiEntropyPolls: Counter;
  readonly antiEntropyHealed: Counter;
  readonly antiEntropyPushed: Counter;
  /** Dummy events sent to merge forward extremities (federation/sync/extremity-growth.ts). */
  readonly dummyEvents: Counter;

  constructor(storage: Storage) {
    const r = this.registry;
    this.pdusReceived = r.register(new Counter('dagmar_pdus_received_total', 'PDUs received in federation /send transactions, before any check.'));
    this.pdusPersisted = r.register(new Counter('dagmar_pdus_persisted_total', 'PDUs accepted and persisted into the room DAG, by source (local or remote).'));
    this.pdusRejected = r.register(new Counter('dagmar_pdus_rejected_total', 'PDUs rejected by the authorization rules (stored, flagged rejected), by source.'));
    this.pdusSoftFailed = r.register(new Counter('dagmar_pdus_soft_failed_total', 'PDUs soft-failed against the current state (stored, never an extremity), by source.'));
    r.register(
      new CallbackGauge('dagmar_forward_extremities', 'Forward extremities per room (the prev_events our next event would cite).', () =>
        storage.forwardExtremityCounts().map((row) => ({ labels: { room_id: row.roomId }, value: row.count })),
      ),
    );
    this.antiEntropyPolls = r.register(new Counter('dagmar_anti_entropy_polls_total', 'MSC4370 /extremities requests made by anti-entropy.'));
    this.antiEntropyHealed = r.register(new Counter('dagmar_anti_entropy_events_healed_total', 'Events anti-entropy fetched from other servers and stored.'));
    this.antiEntropyPushed = r.register(new Counter('dagmar_anti_entropy_events_pushed_total', 'Events anti-entropy queued for servers that were behind us.'));
    this.dummyEvents = r.register(new Counter('dagmar_dummy_events_total', 'Dummy events sent to merge forward extremities.'));
    this.requestDuration = r.register(new Histogram('dagmar_http_request_duration_seconds', 'HTTP request latency by API, method and status code.', LATENCY_BUCKETS));
  }

  /** Hooked to the room service's onPersisted: one count per stored PDU by its outcome. */
  recordPdu(outcome: PduOutcome, source: 'local' | 'remote'): void {
    if (outcome === 'accepted') this.pdusPersisted.inc({ source });
    else if (outcome === 'rejected') this.pdusRejected.inc({ source });
    else if (outcome === 'soft-failed') this.pdusSoftFailed.inc({ source });
  }

  observeRequest(path: string, method: string, status: number, seconds: number): void {
    this.requestDuration.observe({ api: apiOf(path), method, code: String(status) }, seconds);
  }

  render(): string {
    return this.registry.render();
  }
}
