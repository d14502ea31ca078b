// The outbound sender against a real HTTP peer on loopback: batching, backoff, catch-up, resume.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MemorySenderStore, SenderStore } from '../../src/federation/sender/sender-store';
import { OutboundTransaction, TransactionSender } from '../../src/federation/sender/transaction-sender';
import { Pdu } from '../../src/protocol/pdu';
import { eventually } from '../../src/testing';

interface Peer {
  server: Server;
  url: string;
  received: OutboundTransaction[];
  down: boolean;
}

async function startPeer(): Promise<Peer> {
  const peer = { received: [] as OutboundTransaction[], down: false } as Peer;
  peer.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (peer.down) {
        res.writeHead(503).end('{"errcode":"M_UNKNOWN","error":"down"}');
        return;
      }
      peer.received.push(JSON.parse(body) as OutboundTransaction);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"pdus":{}}');
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
beforeEach(async () => {
  peer = await startPeer();
});
afterEach(async () => {
  await new Promise((r) => peer.server.close(r));
});

function makeSender(store: SenderStore = new MemorySenderStore(), catchUpPerRoom = 10) {
  const transport = async (_destination: string, txnId: string, body: OutboundTransaction) => {
    const res = await fetch(`${peer.url}/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`, { method: 'PUT', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  };
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
  sender.stop();
});

test('retries with backoff while the destination is down, then catches up with the newest events per room', async () => {
  const { sender, store } = makeSender(new MemorySenderStore(), 3);
  peer.down = true;
  for (let i = 1; i <= 20; i++) sender.enqueue(['b'], pdu(i, i % 2 ? '!odd:a' : '!even:a'));
  await new Promise((r) => setTimeout(r, 150));
  expect(peer.received).toHaveLength(0);
  expect(store.size('b')).toBe(6); // during the outage the queue is already trimmed to the newest three per room
  peer.down = false;
  await eventually(() => store.size('b') === 0, "b's queue draining");
  const depths = peer.received.flatMap((t) => t.pdus.map((p) => p.depth));
  expect(depths).toEqual([15, 16, 17, 18, 19, 20]); // the newest three of each room
  sender.stop();
});

test('a queue left by a stopped sender is resumed by a new one', async () => {
  const store = new MemorySenderStore();
  const first = makeSender(store);
  peer.down = true;
  first.sender.enqueue(['b'], pdu(1));
  await new Promise((r) => setTimeout(r, 30));
  first.sender.stop();
  peer.down = false;
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
  const { openStorage } = await import('../../src/storage');
  const dir = mkdtempSync(join(tmpdir(), 'dagmar-queue-'));
  try {
    const first = openStorage(join(dir, 'db.sqlite'));
    peer.down = true;
    const s1 = makeSender(first.outboundQueue);
    s1.sender.enqueue(['b'], pdu(1));
    s1.sender.enqueue(['b'], pdu(2, '!other:a'));
    await new Promise((r) => setTimeout(r, 30));
    s1.sender.stop();
    first.close();
    peer.down = false;
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
