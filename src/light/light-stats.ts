// What one light-server call cost: requests, bytes received, events fetched and verified, wall time.
// Counted per call through AsyncLocalStorage, so two calls running at once each get their own figures.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FederationClient, RequestJsonOptions } from '../federation/client/federation-client';
import type { JsonObject } from '../protocol/json';

export interface LightStats {
  /** Federation requests made (key fetches included). */
  requests: number;
  /** Bytes of the JSON answers received (their serialised length; headers not counted). */
  bytes: number;
  /** Events whose PDU was downloaded (by /event, /state, /get_missing_events, send_join). */
  eventsFetched: number;
  /** Events whose signatures, hashes and auth rules were checked during the call. */
  eventsVerified: number;
  ms: number;
}

export function emptyStats(): LightStats {
  return { requests: 0, bytes: 0, eventsFetched: 0, eventsVerified: 0, ms: 0 };
}

const current = new AsyncLocalStorage<LightStats>();

/** Runs `work` with a fresh stats record that every counted request inside adds to; returns both. */
export async function measured<T>(work: (stats: LightStats) => Promise<T>): Promise<{ result: T; stats: LightStats }> {
  const stats = emptyStats();
  const started = performance.now();
  try {
    const result = await current.run(stats, () => work(stats));
    return { result, stats };
  } finally {
    stats.ms = Math.round(performance.now() - started);
  }
}

/** The stats record of the call under way, if any (calls outside `measured` are not counted). */
export function currentStats(): LightStats | undefined {
  return current.getStore();
}

/** A `requestJson` that counts each request and its answer's size into the current call's stats. */
export function countingClient(client: Pick<FederationClient, 'requestJson'>): Pick<FederationClient, 'requestJson'> {
  return {
    async requestJson<T = JsonObject>(destination: string, method: string, path: string, options?: RequestJsonOptions): Promise<T> {
      const stats = current.getStore();
      if (stats) stats.requests++;
      const body = await client.requestJson<T>(destination, method, path, options);
      if (stats) stats.bytes += Buffer.byteLength(JSON.stringify(body), 'utf8');
      return body;
    },
  };
}
