// Every test vector from the specification's appendices, run through our protocol and crypto code.
import { canonicalJson, canonicalJsonBytes } from '../../src/protocol/canonical-json';
import { contentHash } from '../../src/protocol/hashes';
import { redactEvent } from '../../src/protocol/redaction';
import { keyPairFromSeed } from '../../src/crypto/ed25519';
import { signJson, verifyJson } from '../../src/crypto/sign-json';
import { signEvent } from '../../src/crypto/event-signing';
import { loadSpecVectors } from '../support/vectors';
import nacl from 'tweetnacl';
import { decodeBase64 } from '../../src/protocol/base64';

const vectors = loadSpecVectors();
const key = vectors.signing_key;

describe('spec appendix: canonical JSON', () => {
  test.each(vectors.canonical_json.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const value = JSON.parse(c.input);
    expect(canonicalJson(value)).toBe(c.canonical);
    expect(canonicalJsonBytes(value).toString('hex')).toBe(c.canonical_utf8_hex);
  });
});

describe('spec appendix: signing key', () => {
  test('the seed derives the published public key', () => {
    expect(keyPairFromSeed(key.seed_unpadded_base64).publicKey).toBe(key.public_key_unpadded_base64);
  });
});

describe('spec appendix: JSON signing', () => {
  test.each(vectors.json_signing.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const signed = signJson(c.input, key.server_name, key.key_id, key.seed_unpadded_base64);
    expect(signed).toEqual(c.expected_output);
    expect(canonicalJson(c.input)).toBe(c.signed_bytes);
    expect(verifyJson(signed, key.server_name, key.key_id, key.public_key_unpadded_base64)).toBe(true);
    // Cross-check the node:crypto signature with tweetnacl's independent implementation.
    const sig = decodeBase64((signed.signatures as Record<string, Record<string, string>>)[key.server_name]![key.key_id]!);
    expect(nacl.sign.detached.verify(Buffer.from(c.signed_bytes), sig, decodeBase64(key.public_key_unpadded_base64))).toBe(true);
  });

  test('a tampered object no longer verifies', () => {
    const signed = signJson({ one: 1 }, key.server_name, key.key_id, key.seed_unpadded_base64);
    expect(verifyJson({ ...signed, one: 2 }, key.server_name, key.key_id, key.public_key_unpadded_base64)).toBe(false);
    expect(verifyJson(signed, 'other', key.key_id, key.public_key_unpadded_base64)).toBe(false);
  });
});

describe('spec appendix: event signing', () => {
  test.each(vectors.event_signing.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const { unsigned: _u, signatures: _s, hashes: _h, ...hashed } = c.input;
    expect(canonicalJson(hashed, { strictIntegers: false })).toBe(c.content_hash_input);
    expect(contentHash(c.input, c.room_version_rules)).toBe(c.expected_content_hash_sha256);
    const signed = signEvent(c.input, c.room_version_rules, key.server_name, key.key_id, key.seed_unpadded_base64);
    expect(signed).toEqual(c.expected_output);
    const { signatures: _s2, unsigned: _u2, ...redacted } = redactEvent(signed, c.room_version_rules);
    expect(canonicalJson(redacted)).toBe(c.signed_bytes);
  });
});
