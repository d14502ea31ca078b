// Our own signing keys as the federation layer sees them, and the self-signed key response built from them
// (server-server API "Publishing Keys").
import type { SigningKey } from '../../crypto/signing-key-file';
import { signJson } from '../../crypto/sign-json';
import { JsonObject } from '../../protocol/json';

/** A key we no longer sign with; others still need it to verify our older events. */
export interface OldOwnKey {
  keyId: string;
  publicKey: string;
  expiredTs: number;
}

export interface OwnServerKeys {
  serverName: string;
  /** Current keys, newest first; the first one signs our requests. Never empty. */
  signingKeys: readonly SigningKey[];
  oldVerifyKeys?: readonly OldOwnKey[];
}

/** Supplies our keys at the moment they are needed, so rotation takes effect without a restart. */
export type OwnKeysProvider = () => OwnServerKeys;

/** How long others may cache our key response (the spec asks for at least an hour; Synapse uses a day). */
export const DEFAULT_KEY_VALIDITY_MS = 24 * 60 * 60 * 1000;

/** Adds our signature, by every current key, to `object` (a key response, or one we notarise). */
export function signWithOwnKeys<T extends Record<string, unknown>>(object: T, keys: OwnServerKeys): T {
  let signed = object;
  for (const key of keys.signingKeys) signed = signJson(signed, keys.serverName, key.keyId, key.seed);
  return signed;
}

/** Our `GET /_matrix/key/v2/server` body: current and old keys, `valid_until_ts`, signed by every current key. */
export function buildServerKeysResponse(keys: OwnServerKeys, validUntilTs: number): JsonObject {
  if (keys.signingKeys.length === 0) throw new Error('a server needs at least one signing key');
  const verifyKeys: Record<string, { key: string }> = {};
  for (const key of keys.signingKeys) verifyKeys[key.keyId] = { key: key.publicKey };
  const oldVerifyKeys: Record<string, { key: string; expired_ts: number }> = {};
  for (const old of keys.oldVerifyKeys ?? []) {
    if (!(old.keyId in verifyKeys)) oldVerifyKeys[old.keyId] = { key: old.publicKey, expired_ts: old.expiredTs };
  }
  const body: JsonObject = {
    server_name: keys.serverName,
    verify_keys: verifyKeys,
    old_verify_keys: oldVerifyKeys,
    valid_until_ts: validUntilTs,
  };
  return signWithOwnKeys(body, keys);
}
