// Benchmark: what a /send body costs before its PDUs are looked at — parse, number scan and the
// canonical bytes the X-Matrix signature covers — against the former JSON.parse + canonicalJson path.
import { canonicalJson } from '../../src/protocol/canonical-json';
import { canonicalJsonExact, parseJsonRecordingNumbers } from '../../src/protocol/raw-json';
import { benchLine, opsPerSecond } from './support/measure';

function pdu(i: number): Record<string, unknown> {
  return {
    room_id: '!bench:example.org',
    sender: '@alice:example.org',
    origin: 'example.org',
    origin_server_ts: 1_700_000_000_000 + i,
    type: 'm.room.message',
    content: { msgtype: 'm.text', body: `message ${i} `.padEnd(1500, 'x'), 'm.relates_to': { rel_type: 'm.thread', event_id: '$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg' } },
    prev_events: ['$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg'],
    auth_events: ['$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk', '$Fwbh0kMIJwQ2i6EQyG6ZLc_4wEKTHdUn7QkMVGY2Qn8', '$LwIgOCrP3lDSYmeWhO-2ZbsSjfNs0jHwLMmd5-eNw30'],
    depth: 100 + i,
    hashes: { sha256: 'ZtZ8ok3SGK9ZYSDzYPuc/k6eYGLGnYv94lHQUT4HjTQ' },
    signatures: { 'example.org': { 'ed25519:1': 'x'.repeat(86) } },
    unsigned: { age: 12 },
  };
}

const body = { origin: 'example.org', origin_server_ts: 1_700_000_000_000, pdus: Array.from({ length: 50 }, (_, i) => pdu(i)), edus: [] };
const text = JSON.stringify(body);
const envelope = { method: 'PUT', uri: '/_matrix/federation/v1/send/1', origin: 'example.org', destination: 'dagmar.test' };

const before = opsPerSecond(() => {
  canonicalJson({ ...envelope, content: JSON.parse(text) }, { strictIntegers: false });
});
const after = opsPerSecond(() => {
  const { value, issues } = parseJsonRecordingNumbers(text);
  canonicalJsonExact({ ...envelope, content: value }, issues.map((issue) => ({ ...issue, path: ['content', ...issue.path] })));
});
console.log(`body ${text.length} bytes: former path ${before.toFixed(1)}/s, parse + scan + exact canonical ${after.toFixed(1)}/s`);
benchLine('transport-body-cost', before / after, 'ratio', '<=', 1.5);
