// Signing-key files (Synapse's format) and Ed25519 through node:crypto cross-checked with tweetnacl.
import nacl from 'tweetnacl';
import { generateKeyPair, keyPairFromSeed, signBytes, verifyBytes } from '../../src/crypto/ed25519';
import { formatSigningKeyFile, parseSigningKeyFile } from '../../src/crypto/signing-key-file';
import { decodeBase64 } from '../../src/protocol/base64';

describe('signing key file', () => {
  test('round-trips and derives public keys', () => {
    const text = '# comment\ned25519 a_bcde YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n\n';
    const keys = parseSigningKeyFile(text);
    // The spec's seed text has non-zero padding bits ("…XA1"); we keep the canonical encoding of the same 32 bytes.
    expect(keys).toEqual([
      { keyId: 'ed25519:a_bcde', version: 'a_bcde', seed: 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0', publicKey: 'XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI' },
    ]);
    expect(parseSigningKeyFile(formatSigningKeyFile(keys))).toEqual(keys);
  });

  test.each([
    ['wrong algorithm', 'curve25519 a YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', 'unsupported algorithm'],
    ['short seed', 'ed25519 a YJDBA9Xnr2s', 'line 1'],
    ['bad version', 'ed25519 a-b YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', 'Invalid key version'],
    ['missing part', 'ed25519 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', 'expected'],
  ])('%s is refused', (_name, text, message) => {
    expect(() => parseSigningKeyFile(text)).toThrow(message);
  });
});

describe('Ed25519', () => {
  test('public keys derived from seeds through node:crypto match tweetnacl for 200 random seeds', () => {
    for (let i = 0; i < 200; i++) {
      const pair = generateKeyPair();
      const naclPair = nacl.sign.keyPair.fromSeed(decodeBase64(pair.seed));
      expect(pair.publicKey).toBe(Buffer.from(naclPair.publicKey).toString('base64').replace(/=+$/, ''));
    }
  });

  test('node:crypto signatures match tweetnacl for random keys and messages', () => {
    for (let i = 0; i < 20; i++) {
      const pair = generateKeyPair();
      const message = Buffer.from(`message ${i} ${'x'.repeat(i * 7)}`);
      const signature = signBytes(message, pair.seed);
      const naclPair = nacl.sign.keyPair.fromSeed(decodeBase64(pair.seed));
      expect(Buffer.from(nacl.sign.detached(message, naclPair.secretKey)).toString('base64').replace(/=+$/, '')).toBe(signature);
      expect(verifyBytes(message, signature, pair.publicKey)).toBe(true);
      expect(verifyBytes(Buffer.from('other'), signature, pair.publicKey)).toBe(false);
    }
  });

  test('malformed signatures and keys verify as false, never throw', () => {
    const pair = keyPairFromSeed('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1');
    expect(verifyBytes(Buffer.from('x'), 'not base64!', pair.publicKey)).toBe(false);
    expect(verifyBytes(Buffer.from('x'), 'AAAA', pair.publicKey)).toBe(false);
    expect(verifyBytes(Buffer.from('x'), signBytes(Buffer.from('x'), pair.seed), 'short')).toBe(false);
  });
});
