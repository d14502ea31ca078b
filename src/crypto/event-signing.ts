// Signing events and checking received events' hashes and signatures (server-server API
// "Signing events", "Validating hashes and signatures on received events").
import { contentHash, redactedSigningText } from '../protocol/hashes';
import { parseEventId, parseUserId } from '../protocol/identifiers';
import { isJsonObject } from '../protocol/json';
import { redactEvent } from '../protocol/redaction';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { verifyBytes } from './ed25519';
import { signJson } from './sign-json';
import type { AsyncVerify } from './verify-pool';

/**
 * Returns a copy of `event` with `hashes.sha256` set to its content hash and our signature over the
 * redacted form added to `signatures`. In v1/v2 the event must already carry its `event_id`.
 */
export function signEvent<T extends Record<string, unknown>>(
  event: T,
  roomVersion: string | RoomVersion,
  serverName: string,
  keyId: string,
  seed: string | Uint8Array,
): T {
  const rv = getRoomVersion(roomVersion);
  const hashed = { ...event, hashes: { sha256: contentHash(event, rv) } } as Record<string, unknown>;
  return addEventSignature(hashed, rv, serverName, keyId, seed) as T;
}

/** True when `hashes.sha256` matches the event's content. */
export function hasValidContentHash(event: Record<string, unknown>, roomVersion: string | RoomVersion): boolean {
  const hashes = event.hashes;
  if (!isJsonObject(hashes) || typeof hashes.sha256 !== 'string') return false;
  return hashes.sha256 === contentHash(event, roomVersion);
}

/**
 * The servers whose signatures an event needs: the sender's server; in v1/v2 the server that
 * minted the event ID; for a restricted join (v8+), the server of `join_authorised_via_users_server`.
 */
export function requiredSignatureServers(event: Record<string, unknown>, roomVersion: string | RoomVersion): string[] {
  const rv = getRoomVersion(roomVersion);
  const servers = new Set<string>();
  const sender = parseUserId(event.sender);
  if (sender?.serverName) servers.add(sender.serverName);
  if (rv.eventIdFormat === 'server-assigned') {
    const id = parseEventId(event.event_id);
    if (id?.serverName) servers.add(id.serverName);
  }
  const content = event.content;
  if (
    rv.restrictedJoinRule &&
    event.type === 'm.room.member' &&
    isJsonObject(content) &&
    content.membership === 'join' &&
    typeof content.join_authorised_via_users_server === 'string'
  ) {
    const authoriser = parseUserId(content.join_authorised_via_users_server);
    if (authoriser?.serverName) servers.add(authoriser.serverName);
  }
  return [...servers];
}

/** A verify key as a key ring knows it. */
export interface VerifyKey {
  publicKey: string;
  /** For a current key, how long it may be trusted; for an old key, when it expired. */
  validUntilTs?: number;
}

/** Finds the key `keyId` of `serverName`; may fetch. undefined when it is unknown. */
export type VerifyKeyLookup = (serverName: string, keyId: string) => VerifyKey | undefined | Promise<VerifyKey | undefined>;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks every required server's signature on the redacted event. A server passes when at least one
 * of its ed25519 signatures verifies with a known key; from v5 that key must also be valid at the
 * event's origin_server_ts. `extraSigners` must sign too (an invitee's server co-signing an invite).
 */
export async function verifyEventSignatures(
  event: Record<string, unknown>,
  roomVersion: string | RoomVersion,
  lookup: VerifyKeyLookup,
  extraSigners: readonly string[] = [],
  /** redactedSigningText(event), when the caller built it already (for the event ID, say). */
  signingText?: string,
  /** Where the Ed25519 verifies run (verify-pool.ts: off the main thread); default verifyBytes here. */
  verify?: AsyncVerify,
): Promise<SignatureVerdict> {
  const rv = getRoomVersion(roomVersion);
  const signed = Buffer.from(signingText ?? redactedSigningText(event, rv), 'utf8');
  const signatures = isJsonObject(event.signatures) ? event.signatures : {};
  const ts = typeof event.origin_server_ts === 'number' ? event.origin_server_ts : 0;
  for (const server of new Set([...requiredSignatureServers(event, rv), ...extraSigners])) {
    const byServer = signatures[server];
    if (!isJsonObject(byServer)) return { ok: false, reason: `no signature from ${server}` };
    let verified = false;
    let lastProblem = `no usable ed25519 signature from ${server}`;
    for (const keyId of Object.keys(byServer).filter((k) => k.startsWith('ed25519:'))) {
      const key = await lookup(server, keyId);
      if (!key) {
        lastProblem = `unknown key ${keyId} for ${server}`;
        continue;
      }
      if (rv.enforceKeyValidity && key.validUntilTs !== undefined && key.validUntilTs < ts) {
        lastProblem = `key ${keyId} of ${server} was not valid at origin_server_ts`;
        continue;
      }
      const signature = byServer[keyId];
      if (typeof signature === 'string' && (verify ? await verify(signed, signature, key.publicKey) : verifyBytes(signed, signature, key.publicKey))) {
        verified = true;
        break;
      }
      lastProblem = `bad signature by ${server} key ${keyId}`;
    }
    if (!verified) return { ok: false, reason: lastProblem };
  }
  return { ok: true };
}

/**
 * Adds our signature to someone else's event (invites, restricted joins) without touching its hashes:
 * the signature covers the redacted form, as every event signature does.
 */
export function addEventSignature<T extends Record<string, unknown>>(
  event: T,
  roomVersion: string | RoomVersion,
  serverName: string,
  keyId: string,
  seed: string | Uint8Array,
): T {
  const rv = getRoomVersion(roomVersion);
  const signedRedacted = signJson(redactEvent(event, rv), serverName, keyId, seed, { strictIntegers: rv.strictCanonicalJson });
  const signatures = isJsonObject(event.signatures) ? event.signatures : {};
  const ours = (signedRedacted.signatures as Record<string, Record<string, string>>)[serverName]!;
  return { ...structuredClone(event), signatures: { ...structuredClone(signatures), [serverName]: { ...(isJsonObject(signatures[serverName]) ? signatures[serverName] : {}), ...ours } } };
}
