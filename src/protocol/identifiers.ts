// Matrix identifiers (spec appendix "Identifier Grammar"): server names, user/room/event IDs, aliases.
import { MatrixError } from './errors';

export interface ServerName {
  /** The host part: a DNS name, an IPv4 literal, or an IPv6 literal with its brackets. */
  host: string;
  port: number | undefined;
  kind: 'dns' | 'ipv4' | 'ipv6';
}

const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_BODY = /^[0-9A-Fa-f:.]{2,45}$/;

/** Parses `host[:port]` per the server-name grammar; returns undefined when it does not match. */
export function parseServerName(text: string): ServerName | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 255 + 6) return undefined;
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      portText = rest.slice(1);
    }
    if (!IPV6_BODY.test(host.slice(1, -1)) || !host.includes(':')) return undefined;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (!DNS_NAME.test(host)) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port > 65535) return undefined;
  }
  const v4 = IPV4.exec(host);
  if (v4) {
    if (v4.slice(1).some((octet) => Number(octet) > 255)) return undefined;
    return { host, port, kind: 'ipv4' };
  }
  return { host, port, kind: host.startsWith('[') ? 'ipv6' : 'dns' };
}

export function isValidServerName(text: string): boolean {
  return parseServerName(text) !== undefined;
}

export type Sigil = '@' | '!' | '$' | '#';

export interface ParsedId {
  sigil: Sigil;
  /** Everything between the sigil and the first colon (or the whole opaque part when there is no server). */
  localpart: string;
  /** The server name, or undefined for IDs without one (v3+ event IDs, v12 room IDs). */
  serverName: string | undefined;
}

const MAX_ID_BYTES = 255;

function splitId(text: unknown, sigil: Sigil, requireServer: boolean): ParsedId | undefined {
  if (typeof text !== 'string' || text[0] !== sigil) return undefined;
  if (Buffer.byteLength(text, 'utf8') > MAX_ID_BYTES) return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) {
    if (requireServer || text.length < 2) return undefined;
    return { sigil, localpart: text.slice(1), serverName: undefined };
  }
  const serverName = text.slice(colon + 1);
  if (!isValidServerName(serverName)) return undefined;
  return { sigil, localpart: text.slice(1, colon), serverName };
}

// Historical user IDs allow any printable ASCII but ':' (0x21–0x39, 0x3B–0x7E); new ones are stricter.
const HISTORICAL_LOCALPART = /^[\x21-\x39\x3b-\x7e]+$/;
const STRICT_LOCALPART = /^[a-z0-9._=\-/+]+$/;

export function parseUserId(text: unknown): ParsedId | undefined {
  const id = splitId(text, '@', true);
  return id && HISTORICAL_LOCALPART.test(id.localpart) ? id : undefined;
}

/** True for localparts we allow new users to register with (the current, strict grammar). */
export function isValidNewLocalpart(localpart: string): boolean {
  return STRICT_LOCALPART.test(localpart) && Buffer.byteLength(`@${localpart}:`, 'utf8') < MAX_ID_BYTES;
}

/** Room IDs: `!opaque:server` up to v11; v12 room IDs are `!` + URL-safe base64 with no server. */
export function parseRoomId(text: unknown): ParsedId | undefined {
  const id = splitId(text, '!', false);
  if (!id || id.localpart.length === 0) return undefined;
  if (id.serverName === undefined && !/^[A-Za-z0-9_-]+$/.test(id.localpart)) return undefined;
  return id;
}

/** Event IDs: `$opaque:server` in v1/v2, `$` + (URL-safe) base64 from v3. */
export function parseEventId(text: unknown): ParsedId | undefined {
  const id = splitId(text, '$', false);
  if (!id || id.localpart.length === 0) return undefined;
  if (id.serverName === undefined && !/^[A-Za-z0-9+/_-]+$/.test(id.localpart)) return undefined;
  return id;
}

export function parseRoomAlias(text: unknown): ParsedId | undefined {
  const id = splitId(text, '#', true);
  return id && id.localpart.length > 0 ? id : undefined;
}

/** The server part of a user ID, or throws M_INVALID_PARAM. */
export function serverOfUser(userId: string): string {
  const id = parseUserId(userId);
  if (!id?.serverName) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid user ID ${JSON.stringify(userId)}`);
  return id.serverName;
}

/** Strips the port from a server name, as ACL matching requires. */
export function hostOfServerName(serverName: string): string {
  return parseServerName(serverName)?.host ?? serverName;
}

/**
 * Whether a string can travel as an identifier between servers: no lone surrogate (U+D800–U+DFFF
 * unpaired) and no NUL. JSON can spell both, but Python's canonicaljson (Synapse) cannot encode a lone
 * surrogate and SQLite-backed servers truncate at NUL, so an event carrying one in its type or IDs
 * would be accepted by some servers and not others — a split room.
 */
export function isTransportableText(text: string): boolean {
  return !LONE_SURROGATE_OR_NUL.test(text);
}

const LONE_SURROGATE_OR_NUL = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\0/;
