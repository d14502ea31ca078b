// Deterministic material for DagBuilder: one Ed25519 key per server, room IDs, v1/v2 event IDs and
// timestamps, all derived from a seed so that the same seed always yields the same DAG.
import { createHash } from 'node:crypto';
import { keyPairFromSeed } from '../crypto/ed25519';
import { encodeBase64 } from '../protocol/base64';

/** A server's signing key as DagBuilder made it: what a key ring needs to verify its events. */
export interface DagServerKey {
  serverName: string;
  keyId: string;
  /** Unpadded base64 Ed25519 public key. */
  publicKey: string;
  /** Unpadded base64 seed (the private half; test material only). */
  seed: string;
}

export const DAG_KEY_ID = 'ed25519:dag';

function digest(...parts: string[]): Buffer {
  // NUL-separated so that ('ab','c') and ('a','bc') never collide.
  return createHash('sha256').update(parts.join('\0')).digest();
}

/** Each server its own key: the seed is SHA-256(seed, server name), so keys differ per server and per seed. */
export function serverKeyFor(seed: string, serverName: string): DagServerKey {
  const pair = keyPairFromSeed(new Uint8Array(digest('dagmar-dag-key', seed, serverName)));
  return { serverName, keyId: DAG_KEY_ID, publicKey: pair.publicKey, seed: pair.seed };
}

/** A short URL-safe tag from the seed and some parts (room IDs, v1/v2 event IDs). */
export function seededTag(seed: string, ...parts: string[]): string {
  return digest('dagmar-dag-tag', seed, ...parts).toString('base64url').replace(/[-_]/g, 'x').slice(0, 18);
}

/**
 * The first origin_server_ts: a fixed epoch plus up to ~12 days from the seed. v3+ event IDs hash the
 * event without its signatures, so the seed has to reach the signed fields for different seeds to give
 * different IDs.
 */
export function seededStartTs(seed: string): number {
  return 1_700_000_000_000 + (digest('dagmar-dag-ts', seed).readUInt32BE(0) % 1_000_000_000);
}

/** A different key under the same key ID, for deliberately forged signatures. */
export function forgerKeyFor(seed: string, serverName: string): DagServerKey {
  const pair = keyPairFromSeed(new Uint8Array(digest('dagmar-dag-forger', seed, serverName)));
  return { serverName, keyId: DAG_KEY_ID, publicKey: pair.publicKey, seed: pair.seed };
}

export const DEFAULT_DAG_SEED = encodeBase64(digest('dagmar-dag-default-seed'));
