// Signing and verifying JSON objects (spec appendix "Signing JSON").
import { canonicalJson, CanonicalJsonOptions } from '../protocol/canonical-json';
import { InvalidJsonError } from '../protocol/errors';
import { isJsonObject } from '../protocol/json';
import { signBytes, verifyBytes } from './ed25519';

function signedBytes(object: Record<string, unknown>, options?: CanonicalJsonOptions): Buffer {
  const { signatures: _s, unsigned: _u, ...rest } = object;
  return Buffer.from(canonicalJson(rest, options), 'utf8');
}

function requireObject(value: unknown): Record<string, unknown> {
  if (!isJsonObject(value)) throw new InvalidJsonError('', 'only JSON objects can be signed');
  return value;
}

/**
 * Returns a copy of `object` with our signature added under `signatures[serverName][keyId]`;
 * existing signatures and `unsigned` are kept (neither is covered by the signature).
 */
export function signJson<T extends Record<string, unknown>>(
  object: T,
  serverName: string,
  keyId: string,
  seed: string | Uint8Array,
  options?: CanonicalJsonOptions,
): T {
  const source = requireObject(object);
  const signature = signBytes(signedBytes(source, options), seed);
  const existing = isJsonObject(source.signatures) ? source.signatures : {};
  const forServer = isJsonObject(existing[serverName]) ? existing[serverName] : {};
  return {
    ...structuredClone(source),
    signatures: { ...structuredClone(existing), [serverName]: { ...forServer, [keyId]: signature } },
  } as unknown as T;
}

/** True when `object` carries a valid signature by `serverName`'s key `keyId`. */
export function verifyJson(
  object: Record<string, unknown>,
  serverName: string,
  keyId: string,
  publicKey: string | Uint8Array,
  options?: CanonicalJsonOptions,
): boolean {
  const source = requireObject(object);
  const signatures = source.signatures;
  if (!isJsonObject(signatures)) return false;
  const forServer = signatures[serverName];
  if (!isJsonObject(forServer)) return false;
  const signature = forServer[keyId];
  if (typeof signature !== 'string') return false;
  return verifyBytes(signedBytes(source, options), signature, publicKey);
}
