// Ed25519 keys: seeds to key pairs, signing and verifying, all through node:crypto (tweetnacl cross-checks it in tests).
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { decodeBase64, encodeBase64 } from '../protocol/base64';

export interface Ed25519KeyPair {
  /** The 32-byte seed, unpadded base64 (what Synapse's signing-key file stores). */
  seed: string;
  /** The 32-byte public key, unpadded base64. */
  publicKey: string;
}

// DER prefixes that wrap a raw 32-byte Ed25519 seed / public key as PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function toBytes(key: string | Uint8Array, what: string): Uint8Array {
  const bytes = typeof key === 'string' ? decodeBase64(key) : key;
  if (bytes.length !== 32) throw new TypeError(`${what} must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Derives the key pair for a Matrix seed (RFC 8032: the seed is the private key; the spec's test vectors
 * use this derivation). node:crypto does it in well under a millisecond, where a pure-JS scalar
 * multiplication takes several: it is on every server start and every test peer.
 */
export function keyPairFromSeed(seed: string | Uint8Array): Ed25519KeyPair {
  const seedBytes = toBytes(seed, 'an Ed25519 seed');
  const spki = createPublicKey(privateKeyObject(seedBytes)).export({ format: 'der', type: 'spki' });
  return { seed: encodeBase64(seedBytes), publicKey: encodeBase64(spki.subarray(SPKI_PREFIX.length)) };
}

export function generateKeyPair(): Ed25519KeyPair {
  return keyPairFromSeed(new Uint8Array(randomBytes(32)));
}

// KeyObjects are costly to build and few in number: cache them by their base64 text.
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();
const CACHE_LIMIT = 4096;

function remember<K>(cache: Map<string, K>, key: string, make: () => K): K {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    value = make();
    cache.set(key, value);
  }
  return value;
}

function privateKeyObject(seed: string | Uint8Array): KeyObject {
  const text = typeof seed === 'string' ? seed : encodeBase64(seed);
  return remember(privateKeys, text, () =>
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, toBytes(seed, 'an Ed25519 seed')]), format: 'der', type: 'pkcs8' }),
  );
}

function publicKeyObject(publicKey: string | Uint8Array): KeyObject {
  const text = typeof publicKey === 'string' ? publicKey : encodeBase64(publicKey);
  return remember(publicKeys, text, () =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, toBytes(publicKey, 'an Ed25519 public key')]), format: 'der', type: 'spki' }),
  );
}

/** Signs bytes; returns the 64-byte signature as unpadded base64. */
export function signBytes(message: Uint8Array, seed: string | Uint8Array): string {
  return encodeBase64(sign(null, message, privateKeyObject(seed)));
}

/** Verifies an unpadded-base64 signature; false (never a throw) for malformed signatures or keys. */
export function verifyBytes(message: Uint8Array, signature: string, publicKey: string | Uint8Array): boolean {
  let sig: Uint8Array;
  let key: KeyObject;
  try {
    sig = decodeBase64(signature);
    key = publicKeyObject(publicKey);
  } catch {
    return false;
  }
  if (sig.length !== 64) return false;
  return verify(null, message, key, sig);
}
