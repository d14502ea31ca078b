// Which addresses outbound federation may connect to. Requests that someone else causes (an X-Matrix
// origin we must fetch keys from, a notary query, an invite, a join via `server_name=`) must not reach
// loopback or private networks, or anyone could use us to probe ports behind our firewall.
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

// Two lists: a BlockList also matches IPv4 addresses against IPv6 rules for mapped addresses, and the
// whole of ::ffff:0:0/96 would then catch every IPv4 address.
const PRIVATE_V4 = new BlockList();
// IPv4: "this network" (0.0.0.0/8), loopback, RFC 1918, link-local.
for (const [net, prefix] of [['0.0.0.0', 8], ['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16]] as const) {
  PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
}
const PRIVATE_V6 = new BlockList();
// IPv6: unspecified, loopback, unique local, link-local, and every IPv4-mapped address (::ffff:0:0/96),
// which would otherwise be a second spelling of 127.0.0.1 and the rest.
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['::ffff:0:0', 96]] as const) {
  PRIVATE_V6.addSubnet(net, prefix, 'ipv6');
}

/** True for an IP address (v4, or v6 with or without brackets) in a loopback or private range. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 4) return PRIVATE_V4.check(bare, 'ipv4');
  if (family === 6) return PRIVATE_V6.check(bare, 'ipv6');
  return false;
}

/** Thrown (or passed to a lookup callback) when the only addresses we could use are private. */
export class PrivateAddressError extends Error {
  override readonly name = 'PrivateAddressError';
  readonly code = 'EPRIVATEADDRESS';
}

/**
 * A `lookup` for node:http(s)/net that resolves like dns.lookup but drops private addresses, failing
 * when none is left. Used at connect time, so DNS cannot answer differently between a check and the
 * connection (rebinding).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const usable = addresses.filter((a) => !isPrivateAddress(a.address));
    if (usable.length === 0) return callback(new PrivateAddressError(`${hostname} resolves only to private addresses`), '', 0);
    if (options.all) return (callback as unknown as (e: null, all: typeof usable) => void)(null, usable);
    callback(null, usable[0]!.address, usable[0]!.family);
  });
};
