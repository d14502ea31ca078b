// Link faults on the outbound side: a per-destination policy the federation client consults before
// every request, so that a testbed or an operator can cut, drop or slow the traffic to one server
// without proxies. A production feature (also what `dagmar/testing`'s fed.link/partition/heal use).

/**
 * What happens to a request to one destination:
 * - `up`: sent normally;
 * - `down`: refused at once, as a refused connection would be (FederationRequestError kind 'network');
 * - `drop`: a lost transaction — `PUT /send` is answered 200 with an empty `pdus` map and nothing is
 *   delivered (the case the sender's retries cannot heal); any other request is lost too and fails
 *   as unreachable (an answer that never came), since there is no harmless answer to make up for it;
 * - `{ delayMs }`: held that long, then sent.
 */
export type LinkState = 'up' | 'down' | 'drop' | { delayMs: number };

/** Consulted before each outbound request; anything that sends federation requests may take one. */
export interface LinkPolicy {
  linkTo(destination: string): LinkState;
}

/** A mutable table of link states by destination; destinations not named are `up`. */
export class LinkTable implements LinkPolicy {
  private readonly links = new Map<string, LinkState>();

  linkTo(destination: string): LinkState {
    return this.links.get(destination) ?? 'up';
  }

  set(destination: string, state: LinkState): void {
    if (typeof state === 'object' && !(Number.isFinite(state.delayMs) && state.delayMs >= 0)) throw new TypeError(`delayMs must be a non-negative number, got ${state.delayMs}`);
    if (state === 'up') this.links.delete(destination);
    else this.links.set(destination, state);
  }

  /** Every link back up. */
  clear(): void {
    this.links.clear();
  }
}

/** Whether a request is a `/send` transaction (the one request `drop` answers). */
export function isSendTransaction(method: string, path: string): boolean {
  return method === 'PUT' && path.startsWith('/_matrix/federation/v1/send/');
}
