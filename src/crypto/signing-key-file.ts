// Synapse's signing-key file format: one key per line, `ed25519 <version> <unpadded-base64 seed>`.
import { decodeBase64 } from '../protocol/base64';
import { MatrixError } from '../protocol/errors';
import { keyPairFromSeed } from './ed25519';

export interface SigningKey {
  /** The key ID as used in signatures, e.g. `ed25519:a_xyz`. */
  keyId: string;
  /** The version part of the key ID, e.g. `a_xyz`. */
  version: string;
  seed: string;
  publicKey: string;
}

const VERSION = /^[A-Za-z0-9_]+$/;

export function signingKeyFromSeed(version: string, seed: string): SigningKey {
  if (!VERSION.test(version)) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid key version ${JSON.stringify(version)}`);
  const pair = keyPairFromSeed(seed);
  return { keyId: `ed25519:${version}`, version, seed: pair.seed, publicKey: pair.publicKey };
}

/** Parses the file's text; blank lines and `#` comments are skipped; any other bad line throws. */
export function parseSigningKeyFile(text: string): SigningKey[] {
  const keys: SigningKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    const where = `signing key file line ${index + 1}`;
    if (parts.length !== 3) throw new MatrixError(400, 'M_INVALID_PARAM', `${where}: expected "ed25519 <version> <seed>"`);
    const [algorithm, version, seed] = parts as [string, string, string];
    if (algorithm !== 'ed25519') throw new MatrixError(400, 'M_INVALID_PARAM', `${where}: unsupported algorithm ${algorithm}`);
    try {
      if (decodeBase64(seed).length !== 32) throw new Error('seed is not 32 bytes');
    } catch (e) {
      throw new MatrixError(400, 'M_INVALID_PARAM', `${where}: ${(e as Error).message}`);
    }
    keys.push(signingKeyFromSeed(version, seed));
  });
  return keys;
}

export function formatSigningKeyFile(keys: readonly SigningKey[]): string {
  return keys.map((k) => `ed25519 ${k.version} ${k.seed}\n`).join('');
}
