// Resolving a server name to where we connect, per the server-server API "Resolving server names":
// IP literals, explicit ports, /.well-known/matrix/server delegation, SRV records, port 8448.
import type { LookupFunction } from 'node:net';
import { parseServerName } from '../../protocol/identifiers';
import { isPrivateAddress, PrivateAddressError, publicOnlyLookup } from './address-policy';

export interface ResolvedServer {
  /** The base URL to send requests to, e.g. `https://203.0.113.5:8448`. */
  baseUrl: string;
  /** The Host header to send (and the name the TLS certificate must match). */
  hostHeader: string;
  /** How we got there, for logs: "ip literal", "explicit port", "well-known → srv", ... */
  via: string;
  /** DNS lookup to connect with; discovery's answers use one that refuses private addresses. */
  lookup?: LookupFunction;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface DiscoveryDeps {
  /** SRV lookup; resolves to [] when there is no record. */
  resolveSrv(name: string): Promise<SrvRecord[]>;
  /**
   * GET https://{hostname}/.well-known/matrix/server; undefined on any failure (the spec says to move on).
   * `lookup`, when given, is the address policy the connection must follow.
   */
  fetchWellKnown(hostname: string, lookup?: LookupFunction): Promise<unknown>;
  /** Cache lifetime for well-known answers (default 24 h) and for failures (default 1 h). */
  wellKnownTtlMs?: number;
  wellKnownFailureTtlMs?: number;
  now?: () => number;
  /**
   * Connect to loopback/private addresses too (config allowPrivateAddresses). Default false: a name
   * that resolves there is refused, whether it is an IP literal, an SRV/well-known target or a DNS answer.
   */
  allowPrivateAddresses?: boolean;
  /** The connect-time lookup that enforces it; default publicOnlyLookup (address-policy.ts). */
  publicLookup?: LookupFunction;
}

const DEFAULT_PORT = 8448;

/** Picks the SRV target the RFC 2782 order prefers: lowest priority, then highest weight. */
function preferred(records: SrvRecord[]): SrvRecord | undefined {
  return [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
}

function url(host: string, port: number): string {
  return `https://${host}:${port}`;
}

/** Resolves server names, caching well-known answers as the spec allows. */
export class ServerDiscovery {
  private readonly wellKnownCache = new Map<string, { value: string | undefined; expires: number }>();

  constructor(private readonly deps: DiscoveryDeps) {}

  async resolve(serverName: string): Promise<ResolvedServer> {
    const found = await this.discover(serverName);
    if (this.deps.allowPrivateAddresses) return found;
    // IP literals never reach a lookup function, so they are checked here; names are checked at connect time.
    const host = new URL(found.baseUrl).hostname;
    if (isPrivateAddress(host)) throw new PrivateAddressError(`${serverName} leads to a private address`);
    return { ...found, lookup: this.deps.publicLookup ?? publicOnlyLookup };
  }

  private async discover(serverName: string): Promise<ResolvedServer> {
    const parsed = parseServerName(serverName);
    if (!parsed) throw new Error(`invalid server name ${JSON.stringify(serverName)}`);
    // Step 1: an IP literal is used as is.
    if (parsed.kind !== 'dns') return { baseUrl: url(parsed.host, parsed.port ?? DEFAULT_PORT), hostHeader: serverName, via: 'ip literal' };
    // Step 2: a hostname with an explicit port is used as is.
    if (parsed.port !== undefined) return { baseUrl: url(parsed.host, parsed.port), hostHeader: serverName, via: 'explicit port' };
    // Step 3: delegation through /.well-known/matrix/server.
    const delegated = await this.wellKnown(parsed.host);
    if (delegated !== undefined) {
      const target = parseServerName(delegated);
      if (target) {
        if (target.kind !== 'dns') return { baseUrl: url(target.host, target.port ?? DEFAULT_PORT), hostHeader: delegated, via: 'well-known → ip literal' };
        if (target.port !== undefined) return { baseUrl: url(target.host, target.port), hostHeader: delegated, via: 'well-known → explicit port' };
        const srv = await this.srv(target.host);
        if (srv) return { baseUrl: url(srv.name, srv.port), hostHeader: target.host, via: `well-known → srv ${srv.record}` };
        return { baseUrl: url(target.host, DEFAULT_PORT), hostHeader: target.host, via: 'well-known → default port' };
      }
    }
    // Steps 4–5: SRV records for the server name itself.
    const srv = await this.srv(parsed.host);
    if (srv) return { baseUrl: url(srv.name, srv.port), hostHeader: parsed.host, via: `srv ${srv.record}` };
    // Step 6: the default port.
    return { baseUrl: url(parsed.host, DEFAULT_PORT), hostHeader: parsed.host, via: 'default port' };
  }

  /** `_matrix-fed._tcp` first, then the deprecated `_matrix._tcp`. */
  private async srv(host: string): Promise<{ name: string; port: number; record: string } | undefined> {
    for (const prefix of ['_matrix-fed._tcp', '_matrix._tcp']) {
      const record = preferred(await this.deps.resolveSrv(`${prefix}.${host}`).catch(() => []));
      if (record) return { name: record.name, port: record.port, record: `${prefix}.${host}` };
    }
    return undefined;
  }

  private async wellKnown(host: string): Promise<string | undefined> {
    const now = (this.deps.now ?? Date.now)();
    const cached = this.wellKnownCache.get(host);
    if (cached && cached.expires > now) return cached.value;
    let value: string | undefined;
    try {
      const body = await (this.deps.allowPrivateAddresses ? this.deps.fetchWellKnown(host) : this.deps.fetchWellKnown(host, this.deps.publicLookup ?? publicOnlyLookup));
      const server = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['m.server'] : undefined;
      value = typeof server === 'string' && parseServerName(server) ? server : undefined;
    } catch {
      value = undefined;
    }
    const ttl = value !== undefined ? (this.deps.wellKnownTtlMs ?? 24 * 3600_000) : (this.deps.wellKnownFailureTtlMs ?? 3600_000);
    this.wellKnownCache.set(host, { value, expires: now + ttl });
    return value;
  }
}
