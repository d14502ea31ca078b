// Benchmark: events hashed + signed + verified per second, against raw node:crypto Ed25519 verification
// of the same bytes in the same run (the floor no event pipeline can beat).
import { verify as rawVerify, createPublicKey } from 'node:crypto';
import { canonicalJson } from '../../src/protocol/canonical-json';
import { computeEventId } from '../../src/protocol/hashes';
import { redactEvent } from '../../src/protocol/redaction';
import { signEvent, verifyEventSignatures, hasValidContentHash } from '../../src/crypto/event-signing';
import { keyPairFromSeed } from '../../src/crypto/ed25519';
import { decodeBase64 } from '../../src/protocol/base64';
import { asyncOpsPerSecond, benchLine, opsPerSecond } from './support/measure';

const seed = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
const { publicKey } = keyPairFromSeed(seed);
const roomVersion = '10';

function messagePdu(i: number): Record<string, unknown> {
  return {
    room_id: '!bench:example.org',
    sender: '@alice:example.org',
    origin_server_ts: 1_700_000_000_000 + i,
    type: 'm.room.message',
    content: { msgtype: 'm.text', body: `message number ${i} with a little text in it` },
    prev_events: ['$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg'],
    auth_events: ['$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk', '$Fwbh0kMIJwQ2i6EQyG6ZLc_4wEKTHdUn7QkMVGY2Qn8', '$LwIgOCrP3lDSYmeWhO-2ZbsSjfNs0jHwLMmd5-eNw30'],
    depth: 100 + i,
  };
}

const pdus = Array.from({ length: 256 }, (_, i) => messagePdu(i));
const signed = pdus.map((p) => signEvent(p, roomVersion, 'example.org', 'ed25519:1', seed));
const lookup = () => ({ publicKey });

// Baseline: verify the exact bytes an event signature covers, straight through node:crypto.
const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(decodeBase64(publicKey))]), format: 'der', type: 'spki' });
const signedBytes = signed.map((e) => {
  const { signatures, unsigned: _u, ...rest } = redactEvent(e, roomVersion) as Record<string, unknown>;
  const sig = (signatures as Record<string, Record<string, string>>)['example.org']!['ed25519:1']!;
  return { bytes: Buffer.from(canonicalJson(rest)), sig: Buffer.from(decodeBase64(sig)) };
});

let i = 0;
const baseline = opsPerSecond(() => {
  const s = signedBytes[i++ % signedBytes.length]!;
  if (!rawVerify(null, s.bytes, spki, s.sig)) throw new Error('baseline verify failed');
});

async function main(): Promise<void> {
  let j = 0;
  const pipeline = await asyncOpsPerSecond(async () => {
    const pdu = pdus[j++ % pdus.length]!;
    const event = signEvent(pdu, roomVersion, 'example.org', 'ed25519:1', seed);
    computeEventId(event, roomVersion);
    if (!hasValidContentHash(event, roomVersion)) throw new Error('hash mismatch');
    const verdict = await verifyEventSignatures(event, roomVersion, lookup);
    if (!verdict.ok) throw new Error(verdict.reason);
  });
  console.log(`raw Ed25519 verify (node:crypto): ${baseline.toFixed(0)} /s`);
  console.log(`event hash + sign + event ID + content-hash check + signature verify: ${pipeline.toFixed(0)} /s`);
  benchLine('protocol-events-per-second', pipeline, 'events/s', '>=', 1000);
  // Signing costs about as much as verifying, so a pipeline that does both cannot pass 0.5.
  benchLine('protocol-ratio-to-raw-verify', pipeline / baseline, 'ratio', '>=', 0.25);
}

void main();
