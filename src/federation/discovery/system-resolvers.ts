// The real network behind ServerDiscovery: SRV through node:dns, well-known over HTTPS with a timeout,
// a size limit, and (unless private addresses are allowed) the connect-time address policy.
import { promises as dns } from 'node:dns';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress, PrivateAddressError } from './address-policy';
import { SrvRecord } from './server-discovery';

export async function dnsResolveSrv(name: string): Promise<SrvRecord[]> {
  try {
    return await dns.resolveSrv(name);
  } catch {
    return []; // NXDOMAIN, no data, timeouts: all mean "no record" to the discovery algorithm
  }
}

const MAX_REDIRECTS = 3;
/** A well-known answer is a few dozen bytes; anything much larger is not one. */
const MAX_WELL_KNOWN_BYTES = 64 * 1024;

export interface WellKnownFetchOptions {
  timeoutMs?: number;
  /** Connect-time DNS lookup; given, IP-literal redirect targets are held to the same policy. */
  lookup?: LookupFunction;
}

/** Fetches /.well-known/matrix/server over HTTPS, following redirects; throws on anything but a 200 JSON answer. */
export async function httpsFetchWellKnown(hostname: string, options: WellKnownFetchOptions = {}): Promise<unknown> {
  let url = new URL(`https://${hostname}/.well-known/matrix/server`);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // A lookup function is never consulted for an IP literal, so those are checked here.
    if (options.lookup && isPrivateAddress(url.hostname)) throw new PrivateAddressError(`well-known for ${hostname} leads to a private address`);
    const answer = await get(url, options);
    if ([301, 302, 303, 307, 308].includes(answer.status) && answer.location) {
      url = new URL(answer.location, url);
      if (url.protocol !== 'https:') throw new Error(`well-known for ${hostname} redirects away from https`);
      continue;
    }
    if (answer.status !== 200) throw new Error(`well-known for ${hostname} answered ${answer.status}`);
    return JSON.parse(answer.body) as unknown;
  }
  throw new Error(`well-known for ${hostname}: more than ${MAX_REDIRECTS} redirects`);
}

function get(url: URL, options: WellKnownFetchOptions): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || 443,
        path: url.pathname + url.search,
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_WELL_KNOWN_BYTES) return void req.destroy(new Error('well-known answer too large'));
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
