// Pure evaluation of m.room.server_acl (client-server "Server Access Control Lists", event schema; appendix
// "Glob-style matching"): port ignored, IP literals, deny before allow, default deny once an ACL exists.
import { parseServerName } from '../../protocol/identifiers';
import { isJsonObject } from '../../protocol/json';

export interface ServerAcl {
  allowIpLiterals: boolean;
  /** Lower-cased glob patterns; entries that were not strings are dropped (they can never match). */
  allow: string[];
  deny: string[];
}

function patterns(value: unknown): string[] {
  // The schema says arrays of strings; a malformed list matches nothing, as the spec's defaults
  // ("defaults to an empty list") suggest, so a broken allow list denies everyone.
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is string => typeof entry === 'string').map((entry) => entry.toLowerCase());
}

/** Reads ACL content leniently, the way the spec's defaults describe. */
export function parseServerAcl(content: unknown): ServerAcl {
  const c = isJsonObject(content) ? content : {};
  return {
    // "Defaults to true if missing or otherwise not a boolean."
    allowIpLiterals: typeof c.allow_ip_literals === 'boolean' ? c.allow_ip_literals : true,
    allow: patterns(c.allow),
    deny: patterns(c.deny),
  };
}

/**
 * Glob match with `*` (zero or more characters) and `?` (exactly one), over code points. Iterative
 * with single-star backtracking, so it stays O(pattern × text) whatever the pattern: a regex built
 * from `*a*a*a*…` could backtrack exponentially on an attacker's server name.
 */
export function globMatches(pattern: string, text: string): boolean {
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0;
  let ti = 0;
  let starPi = -1;
  let starTi = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      starPi = pi++;
      starTi = ti;
    } else if (starPi >= 0) {
      pi = starPi + 1;
      ti = ++starTi;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Whether `serverName` may take part in a room whose current ACL content is `acl` (undefined: the
 * room has no ACL, so everyone may). Matching ignores the port and, like Synapse, ignores case: DNS
 * names are case-insensitive, and a case-sensitive deny could be dodged with `EVIL.example`.
 */
export function isServerAllowed(serverName: string, acl: ServerAcl | undefined): boolean {
  if (!acl) return true;
  const parsed = parseServerName(serverName);
  const host = (parsed?.host ?? serverName).toLowerCase();
  if (!acl.allowIpLiterals && parsed !== undefined && parsed.kind !== 'dns') return false;
  if (acl.deny.some((glob) => globMatches(glob, host))) return false;
  return acl.allow.some((glob) => globMatches(glob, host));
}

/** Convenience: evaluate straight from event content (undefined when the room has no ACL event). */
export function isServerAllowedByContent(serverName: string, aclContent: unknown): boolean {
  return isServerAllowed(serverName, aclContent === undefined ? undefined : parseServerAcl(aclContent));
}
