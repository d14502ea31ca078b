// Benchmark: PDUs per second through PUT /send in 50-PDU transactions (a linear chain and a forked DAG), against raw Ed25519 verification of the same PDUs.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createPublicKey, verify as rawVerify } from 'node:crypto';
import { createHomeserver, Homeserver } from '../../src/homeserver';
import { canonicalJson } from '../../src/protocol/canonical-json';
import { decodeBase64 } from '../../src/protocol/base64';
import type { JsonObject } from '../../src/protocol/json';
import { redactEvent } from '../../src/protocol/redaction';
import { RoomEvent } from '../../src/protocol/room-event';
import { EventFactory } from '../../src/testing/event-factory';
import { stateKey } from '../../src/protocol/state-map';
import { createTestPeer, TestPeer } from '../../src/testing/test-peer';
import { rawRequest } from './support/raw-http';
import { benchLine, opsPerSecond } from './support/measure';

const DAGMAR = 'dagmar.bench';
const PEER = 'peer.bench';
const BOB = `@bob:${PEER}`;
const PER_TXN = 50;
const TXNS = 40; // per shape: 2,000 PDUs
const WARMUP_TXNS = 6;
const LANES = 5; // the forked DAG: five branches per transaction, merged by its last event

interface PreparedTxn {
  path: string;
  headers: Record<string, string>;
  payload: Buffer;
  pdus: RoomEvent[];
}

/** Builds the room's next `count` transactions of messages from bob, each signed and serialised up front. */
function buildTransactions(peer: TestPeer, join: RoomEvent, roomId: string, shape: 'linear' | 'forked', count: number, label: string): PreparedTxn[] {
  // Built outside the peer's DAG: only dagmar's ingest is measured, not the peer storing its own events.
  const factory = new EventFactory({ roomVersion: join.roomVersion.id, serverName: PEER, keyId: peer.key.keyId, seed: peer.key.seed, startTs: Date.now() });
  const state = peer.storage.getCurrentState(roomId);
  const auth = [stateKey('m.room.create', ''), stateKey('m.room.power_levels', ''), stateKey('m.room.member', BOB)].map((k) => {
    const id = state.get(k);
    if (!id) throw new Error(`peer lacks ${k}`);
    return peer.event(id);
  });
  let tip = join;
  let n = 0;
  const message = (prevEvents: RoomEvent[]) =>
    factory.build({ type: 'm.room.message', sender: BOB, content: { msgtype: 'm.text', body: `${shape} message ${++n} with a little text in it` }, prevEvents, authEvents: auth, roomId });
  const txns: PreparedTxn[] = [];
  for (let t = 0; t < count; t++) {
    const pdus: RoomEvent[] = [];
    if (shape === 'linear') {
      for (let i = 0; i < PER_TXN; i++) pdus.push((tip = message([tip])));
    } else {
      const lanes = Array.from({ length: LANES }, () => tip);
      for (let i = 0; i < PER_TXN - 1; i++) {
        const lane = i % LANES;
        pdus.push((lanes[lane] = message([lanes[lane]!])));
      }
      pdus.push((tip = message(lanes)));
    }
    const txnId = `${label}-${t}`;
    const path = `/_matrix/federation/v1/send/${txnId}`;
    const body: JsonObject = { origin: PEER, origin_server_ts: Date.now(), pdus: pdus.map((p) => p.pdu as unknown as JsonObject) };
    txns.push({ path, payload: Buffer.from(JSON.stringify(body)), headers: { Host: DAGMAR, Authorization: peer.authorization('PUT', path, body) }, pdus });
  }
  return txns;
}

/** Sends the transactions one after another (one in flight, as a sending server does per destination); returns PDUs/s. */
async function send(agent: http.Agent, hs: Homeserver, txns: PreparedTxn[]): Promise<number> {
  const start = process.hrtime.bigint();
  let pdus = 0;
  for (const txn of txns) {
    const answer = await rawRequest(agent, hs.url(), 'PUT', txn.path, txn.headers, txn.payload);
    if (answer.status !== 200) throw new Error(`PUT ${txn.path}: ${answer.status} ${answer.body}`);
    const results = (JSON.parse(answer.body) as { pdus: Record<string, { error?: string }> }).pdus;
    for (const pdu of txn.pdus) {
      const result = results[pdu.eventId];
      if (!result || result.error !== undefined) throw new Error(`PDU ${pdu.eventId} not accepted: ${JSON.stringify(result)}`);
    }
    pdus += txn.pdus.length;
  }
  return (pdus * 1e9) / Number(process.hrtime.bigint() - start);
}

/** The bytes each PDU's signature covers (redacted, no signatures or unsigned) and the signature itself. */
function signedBytes(pdus: readonly RoomEvent[]): { bytes: Buffer; sig: Buffer }[] {
  return pdus.map((e) => {
    const { signatures, unsigned: _unsigned, ...rest } = redactEvent(e.pdu, e.roomVersion) as unknown as Record<string, unknown>;
    const sig = (signatures as Record<string, Record<string, string>>)[PEER]![Object.keys((signatures as Record<string, Record<string, string>>)[PEER]!)[0]!]!;
    return { bytes: Buffer.from(canonicalJson(rest)), sig: Buffer.from(decodeBase64(sig)) };
  });
}

async function main(): Promise<void> {
  const hs = createHomeserver({ serverName: DAGMAR, dataDir: ':memory:', rateLimit: false });
  await hs.start({ host: '127.0.0.1', port: 0 });
  const peer = (await createTestPeer({ serverName: PEER, seed: 'bench' })).connect(hs);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const rooms: Record<'warmup' | 'linear' | 'forked', { roomId: string; join: RoomEvent }> = {} as never;
    for (const name of ['warmup', 'linear', 'forked'] as const) {
      const roomId = await hs.rooms.createRoom({ creator: `@alice:${DAGMAR}`, roomVersion: '10', preset: 'public_chat' });
      rooms[name] = { roomId, join: (await peer.join(roomId, BOB)).event };
    }
    const warmup = buildTransactions(peer, rooms.warmup.join, rooms.warmup.roomId, 'forked', WARMUP_TXNS, 'warm');
    const linear = buildTransactions(peer, rooms.linear.join, rooms.linear.roomId, 'linear', TXNS, 'lin');
    const forked = buildTransactions(peer, rooms.forked.join, rooms.forked.roomId, 'forked', TXNS, 'fork');

    // Baseline: node:crypto verification of exactly the signatures the linear and forked PDUs carry.
    const all = signedBytes([...linear, ...forked].flatMap((t) => t.pdus));
    const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(decodeBase64(peer.key.publicKey))]), format: 'der', type: 'spki' });
    let i = 0;
    const verifyRate = () =>
      opsPerSecond(() => {
        const s = all[i++ % all.length]!;
        if (!rawVerify(null, s.bytes, spki, s.sig)) throw new Error('baseline verify failed');
      }, 1000);
    const baselineBefore = verifyRate();

    await send(agent, hs, warmup);
    const linearRate = await send(agent, hs, linear);
    const forkedRate = await send(agent, hs, forked);
    const baselineAfter = verifyRate();
    const baseline = (baselineBefore + baselineAfter) / 2;

    const extremities = (name: 'linear' | 'forked') => hs.storage.getForwardExtremities(rooms[name].roomId).length;
    console.log(`${TXNS} transactions of ${PER_TXN} PDUs per shape, one in flight, pre-signed; forked: ${LANES} branches merged at each transaction's end`);
    console.log(`raw Ed25519 verify (node:crypto) of the same PDUs: ${baseline.toFixed(0)} /s (before ${baselineBefore.toFixed(0)}, after ${baselineAfter.toFixed(0)})`);
    console.log(`PUT /send, linear chain: ${linearRate.toFixed(0)} PDUs/s (room ends with ${extremities('linear')} forward extremity)`);
    console.log(`PUT /send, forked DAG:   ${forkedRate.toFixed(0)} PDUs/s (room ends with ${extremities('forked')} forward extremity)`);
    benchLine('ingest-linear-pdus-per-second', linearRate, 'PDUs/s', '>=', 500);
    benchLine('ingest-forked-pdus-per-second', forkedRate, 'PDUs/s', '>=', 500);
    benchLine('ingest-linear-ratio-to-raw-verify', linearRate / baseline, 'ratio', '>=', 0.5);
    benchLine('ingest-forked-ratio-to-raw-verify', forkedRate / baseline, 'ratio', '>=', 0.5);
  } finally {
    agent.destroy();
    await hs.stop();
    await peer.stop();
  }
  await onDisk();
}

/**
 * The same linear ingest into a SQLite file on disk, where every acknowledged PDU must survive a
 * crash: with group commit a /send costs one WAL sync, not one per PDU (storage durability 'on-flush').
 */
async function onDisk(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagmar-bench-ingest-'));
  const hs = createHomeserver({ serverName: DAGMAR, dataDir, rateLimit: false, logLevel: 'silent' });
  await hs.start({ host: '127.0.0.1', port: 0 });
  const peer = (await createTestPeer({ serverName: PEER, seed: 'bench' })).connect(hs);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const roomId = await hs.rooms.createRoom({ creator: `@alice:${DAGMAR}`, roomVersion: '10', preset: 'public_chat' });
    const { event: join } = await peer.join(roomId, BOB);
    const txns = buildTransactions(peer, join, roomId, 'linear', WARMUP_TXNS + TXNS / 2, 'disk');
    await send(agent, hs, txns.slice(0, WARMUP_TXNS));
    const rate = await send(agent, hs, txns.slice(WARMUP_TXNS));
    console.log(`PUT /send, linear chain, SQLite file on disk (${dataDir}): ${rate.toFixed(0)} PDUs/s`);
    benchLine('ingest-linear-on-disk-pdus-per-second', rate, 'PDUs/s', '>=', 500);
  } finally {
    agent.destroy();
    await hs.stop();
    await peer.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
