// resetServer: empties a running server between tests, faster than stopping it and starting another.
import type { Storage } from '../storage';
import type { TransactionSender } from '../federation/sender/transaction-sender';

/** What a reset touches: the server's storage and its outbound sender. */
export interface ResettableServer {
  readonly storage: Storage;
  readonly sender: TransactionSender;
}

/**
 * Waits for transactions in flight, then deletes every room, event, account, access token and queued
 * PDU (Storage.reset). Kept: the signing key (the server name keeps its identity, so peers' cached
 * keys stay right), the listener and its URL, the host map, remote servers' keys in the key ring, and
 * per-destination retry backoff and rate-limit counters, which describe the network rather than the data.
 */
export async function resetServer(server: ResettableServer): Promise<void> {
  await server.sender.idle();
  server.storage.reset();
}
