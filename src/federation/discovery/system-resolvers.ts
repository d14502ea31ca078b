// The real network behind ServerDiscovery: SRV through node:dns, well-known over HTTPS with a timeout.
import { promises as dns } from 'node:dns';
import { SrvRecord } from './server-discovery';

export async function dnsResolveSrv(name: string): Promise<SrvRecord[]> {
  try {
    return await dns.resolveSrv(name);
  } catch {
    return []; // NXDOMAIN, no data, timeouts: all mean "no record" to the discovery algorithm
  }
}

/** Fetches /.well-known/matrix/server, following redirects; throws on anything but a 200 JSON answer. */
export async function httpsFetchWellKnown(hostname: string, timeoutMs = 10_000): Promise<unknown> {
  const response = await fetch(`https://${hostname}/.well-known/matrix/server`, {
    redirect: 'follow',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) throw new Error(`well-known for ${hostname} answered ${response.status}`);
  return (await response.json()) as unknown;
}
