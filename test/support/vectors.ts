// Loads the specification's own test vectors from the repository's copy, test/vectors/spec-appendix.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SpecVectors {
  signing_key: { seed_unpadded_base64: string; server_name: string; key_id: string; public_key_unpadded_base64: string };
  canonical_json: Array<{ id: string; input: string; canonical: string; canonical_utf8_hex: string }>;
  json_signing: Array<{ id: string; input: Record<string, unknown>; signed_bytes: string; expected_signature: string; expected_output: Record<string, unknown> }>;
  event_signing: Array<{
    id: string;
    room_version_rules: string;
    input: Record<string, unknown>;
    content_hash_input: string;
    expected_content_hash_sha256: string;
    signed_bytes: string;
    expected_signature: string;
    expected_output: Record<string, unknown>;
  }>;
}

/** The repository's copy (see test/vectors/README.md for its source), so that a clone alone passes. */
export const VECTORS_PATH = join(__dirname, '..', 'vectors', 'spec-appendix.json');

export function loadSpecVectors(): SpecVectors {
  return JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as SpecVectors;
}
