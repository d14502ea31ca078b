// Where to send a server's federation requests: the resolver interface, and the host map for testbeds.
// Spec discovery (well-known, SRV, 8448) lives in ../discovery/server-discovery.ts and fits the same interface.
import type { ResolvedServer } from '../discovery/server-discovery';

export type { ResolvedServer };

/** Turns a server name into a base URL and the Host header (and TLS name) to use. */
export interface ServerResolver {
  resolve(serverName: string): Promise<ResolvedServer>;
}

export class UnresolvableServerError extends Error {
  override readonly name = 'UnresolvableServerError';
}

/**
 * A fixed map from server names to base URLs (`http://127.0.0.1:8009`, plain HTTP allowed), for local
 * testbeds; names it lacks go to `fallback` when one is given (e.g. spec discovery), else fail.
 */
export class HostMapResolver implements ServerResolver {
  private readonly map: Map<string, string>;

  constructor(
    hostMap: Record<string, string> | Map<string, string>,
    private readonly fallback?: ServerResolver,
  ) {
    this.map = new Map(hostMap instanceof Map ? hostMap : Object.entries(hostMap));
    for (const [name, url] of this.map) {
      if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new TypeError(`host map: ${name} must map to http(s)://host[:port], got ${url}`);
    }
  }

  /** Adds or replaces an entry (testbeds learn ports only after listening). */
  set(serverName: string, baseUrl: string): void {
    this.map.set(serverName, baseUrl);
  }

  async resolve(serverName: string): Promise<ResolvedServer> {
    const baseUrl = this.map.get(serverName);
    // The Host header (and the certificate name, for https) stay the server name, as after discovery.
    if (baseUrl !== undefined) return { baseUrl: baseUrl.replace(/\/$/, ''), hostHeader: serverName, via: 'host map' };
    if (this.fallback) return this.fallback.resolve(serverName);
    throw new UnresolvableServerError(`${serverName} is not in the host map`);
  }
}
