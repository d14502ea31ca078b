// The outbound sender against a real HTTP peer on loopback, through its real transport (FederationApi
// over a signing FederationClient) and the real SQLite queue: batching, backoff, catch-up, resume.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationClient } from '../../src/federation/client/federation-client';
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { federationTransport } from '../../src/federation/sender/federation-transport';
import { OutboundTransaction, TransactionSender } from '../../src/federation/sender/transaction-sender';
import { Pdu } from '../../src/protocol/pdu';
import { openStorage, Storage } from '../../src/storage';
import type { OutboundQueueStore } from '../../src/storage/outbound-queue-store';
import { eventually } from '../../src/testing';
import { newSigningKey } from '../federation/support/test-servers';

interface Peer {
  server: Server;
  url: string;
  received: OutboundTransaction[];
  /** Request lines and whether each carried an X-Matrix signature. */
  requests: { url: string; signed: boolean }[];
  /** up: 200 with a proper answer; down: 503; malformed: 200 with a body that is not a /send answer. */
  mode: 'up' | 'down' | 'malformed';
}

async function startPeer(): Promise<Peer> {
  const peer = { received: [] as OutboundTransaction[], requests: [] as Peer['requests'], mode: 'up' } as Peer;
  peer.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      peer.requests.push({ url: `${req.method} ${req.url}`, signed: (req.headers.authorization ?? '').startsWith('X-Matrix ') });
      if (peer.mode === 'down') {
        res.writeHead(503).end('{"errcode":"M_UNKNOWN","error":"down"}');
        return;
      }
      peer.received.push(JSON.parse(body) as OutboundTransaction);
      res.writeHead(200, { 'content-type': 'application/json' }).end(peer.mode === 'up' ? '{"pdus":{}}' : '{"pdus":"fine"}');
    });
  });
  await new Promise<void>((r) => peer.server.listen(0, '127.0.0.1', r));
  peer.url = `http://127.0.0.1:${(peer.server.address() as AddressInfo).port}`;
  return peer;
}

function pdu(i: number, room = '!r:a'): { eventId: string; roomId: string; pdu: Pdu } {
  return { eventId: `$e${i}`, roomId: room, pdu: { room_id: room, sender: '@a:a', type: 'm.room.message', content: { i }, prev_events: [], auth_events: [], depth: i, origin_server_ts: i, hashes: { sha256: 'x' }, signatures: {} } };
}

let peer: Peer;
let client: FederationClient;
let storage: Storage;
const transportLog: string[] = [];
beforeEach(async () => {
  peer = await startPeer();
  const key = newSigningKey('s1');
  client = new FederationClient({ serverName: 'a', signingKey: () => key, resolver: new HostMapResolver({ b: peer.url }), timeoutMs: 5_000 });
  storage = openStorage(':memory:');
  transportLog.length = 0;
});
afterEach(async () => {
  client.close();
  storage.close();
  await new Promise((r) => peer.server.close(r));
});

function makeSender(store: OutboundQueueStore = storage.outboundQueue, catchUpPerRoom = 10) {
  const transport = federationTransport(new FederationApi(client), (_fields, message) => transportLog.push(message));
  return { store, sender: new TransactionSender({ origin: 'a', store, transport, initialBackoffMs: 20, maxBackoffMs: 80, catchUpPerRoom }) };
}

test('batches at most 50 PDUs per transaction, in order, and never sends to itself', async () => {
  const { sender, store } = makeSender();
  for (let i = 1; i <= 120; i++) sender.enqueue(['b', 'a'], pdu(i));
  await eventually(() => store.size('b') === 0, "b's queue draining");
  const counts = peer.received.map((t) => t.pdus.length);
  expect(counts.every((n) => n <= 50)).toBe(true);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(120);
  expect(peer.received.flatMap((t) => t.pdus.map((p) => p.depth))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  expect(store.size('a')).toBe(0);
  expect(peer.received.every((t) => t.origin === 'a')).toBe(true);
  expect(peer.requests.every((r) => /^PUT \/_matrix\/federation\/v1\/send\/[^/]+$/.test(r.url) && r.signed)).toBe(true);
  sender.stop();
});

test('retries with backoff while the destination is down, then catches up with the newest events per room', async () => {
  const { sender, store } = makeSender(storage.outboundQueue, 3);
  peer.mode = 'down';
  for (let i = 1; i <= 20; i++) sender.enqueue(['b'], pdu(i, i % 2 ? '!odd:a' : '!even:a'));
  await new Promise((r) => setTimeout(r, 150));
  expect(peer.received).toHaveLength(0);
  expect(store.size('b')).toBe(6); // during the outage the queue is already trimmed to the newest three per room
  peer.mode = 'up';
  await eventually(() => store.size('b') === 0, "b's queue draining");
  const depths = peer.received.flatMap((t) => t.pdus.map((p) => p.depth));
  expect(depths).toEqual([15, 16, 17, 18, 19, 20]); // the newest three of each room
  sender.stop();
});

test('a queue left by a stopped sender is resumed by a new one', async () => {
  const store = storage.outboundQueue;
  const first = makeSender(store);
  peer.mode = 'down';
  first.sender.enqueue(['b'], pdu(1));
  await new Promise((r) => setTimeout(r, 30));
  first.sender.stop();
  await first.sender.idle(); // a retry already on the wire ends (refused) before the peer comes back
  peer.mode = 'up';
  expect(store.destinations()).toEqual(['b']);
  const second = makeSender(store);
  second.sender.resume();
  await eventually(() => store.size('b') === 0, "b's queue draining");
  expect(peer.received.flatMap((t) => t.pdus.map((p) => p.depth))).toEqual([1]);
  second.sender.stop();
});

test('the storage-backed queue survives closing and reopening the database', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'dagmar-queue-'));
  try {
    const first = openStorage(join(dir, 'db.sqlite'));
    peer.mode = 'down';
    const s1 = makeSender(first.outboundQueue);
    s1.sender.enqueue(['b'], pdu(1));
    s1.sender.enqueue(['b'], pdu(2, '!other:a'));
    await new Promise((r) => setTimeout(r, 30));
    s1.sender.stop();
    await s1.sender.idle();
    first.close();
    peer.mode = 'up';
    const second = openStorage(join(dir, 'db.sqlite'));
    expect(second.outboundQueue.destinations()).toEqual(['b']);
    expect(second.outboundQueue.size('b')).toBe(2);
    const s2 = makeSender(second.outboundQueue);
    s2.sender.resume();
    await eventually(() => second.outboundQueue.size('b') === 0, "the restarted sender draining b's queue");
    expect(peer.received.flatMap((t) => t.pdus.map((p) => p.depth)).sort()).toEqual([1, 2]);
    s2.sender.stop();
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a 200 with a malformed answer counts as delivered: the queue is acknowledged, nothing is resent', async () => {
  const { sender, store } = makeSender();
  peer.mode = 'malformed';
  sender.enqueue(['b'], pdu(1));
  await eventually(() => store.size('b') === 0, "b's queue draining");
  await sender.idle();
  expect(peer.received.flatMap((t) => t.pdus.map((p) => p.depth))).toEqual([1]);
  expect(transportLog).toEqual(['transaction delivered; the answer was malformed']);
  sender.enqueue(['b'], pdu(2));
  await eventually(() => store.size('b') === 0, "b's queue draining again");
  expect(peer.received.flatMap((t) => t.pdus.map((p) => p.depth))).toEqual([1, 2]);
  sender.stop();
});
