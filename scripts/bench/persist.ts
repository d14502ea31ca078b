// Persist bench: per-event persist cost at 1k / 100k / 1M stored events (linear and 10-wide), bytes per message, state read latency.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pdu } from '../../src/protocol/pdu';
import { RoomEvent, toRoomEvent } from '../../src/protocol/room-event';
import { openStorage, Storage } from '../../src/storage';
import { EventFactory } from '../../src/testing/event-factory';
import { benchLine } from './support/measure';

const SIZES = [1_000, 100_000, 1_000_000];
const WIDTHS: [string, number][] = [['linear', 1], ['forked10', 10]];
const MEASURED = 1500; // single-event persists timed at each size
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagmar-bench-persist-'));
const ROOM = '!bench:bench.local';

/** A fake but well-formed RoomEvent (storage does not check hashes or signatures). */
function fakeEvent(n: number, prevs: string[], depth: number, type = 'm.room.message', stateKey?: string): RoomEvent {
  const pdu = {
    room_id: ROOM, type, sender: '@alice:bench.local', content: { msgtype: 'm.text', body: `message ${n}` }, depth, origin_server_ts: 1_700_000_000_000 + n,
    prev_events: prevs, auth_events: ['$create', '$join'], hashes: { sha256: 'x'.repeat(43) }, signatures: { 'bench.local': { 'ed25519:a': 'y'.repeat(86) } },
    ...(stateKey === undefined ? {} : { state_key: stateKey }),
  } as unknown as Pdu;
  return toRoomEvent(pdu, '10', { validate: false, eventId: `$${n.toString(36).padStart(8, '0')}` });
}

function seedRoom(s: Storage): void {
  const create = toRoomEvent({ room_id: ROOM, type: 'm.room.create', state_key: '', sender: '@alice:bench.local', content: { room_version: '10' }, depth: 0, origin_server_ts: 0, prev_events: [], auth_events: [], hashes: { sha256: 'x' }, signatures: {} } as unknown as Pdu, '10', { validate: false, eventId: '$create' });
  const join = toRoomEvent({ room_id: ROOM, type: 'm.room.member', state_key: '@alice:bench.local', sender: '@alice:bench.local', content: { membership: 'join' }, depth: 1, origin_server_ts: 1, prev_events: ['$create'], auth_events: ['$create'], hashes: { sha256: 'x' }, signatures: {} } as unknown as Pdu, '10', { validate: false, eventId: '$join' });
  s.persistEvents([{ event: create }, { event: join }]);
}

function persistCost(width: number): Map<number, number> {
  const file = path.join(dir, `flat-${width}.sqlite`);
  // Our own handle on the same connection, for the checkpoints between phases.
  const db = new Database(file);
  const s = openStorage(db);
  seedRoom(s);
  const tips = Array.from({ length: width }, () => ({ id: '$join', depth: 1 }));
  let n = 0;
  const next = (): RoomEvent => {
    const lane = n % width;
    const t = tips[lane];
    const e = fakeEvent(++n, [t.id], t.depth + 1);
    tips[lane] = { id: e.eventId, depth: e.depth };
    return e;
  };
  const costs = new Map<number, number>();
  const t0 = Date.now();
  for (const size of SIZES) {
    while (n < size - MEASURED - 200) {
      const batch = Array.from({ length: Math.min(20_000, size - MEASURED - 200 - n) }, () => ({ event: next() }));
      s.persistEvents(batch);
      if (n % 100_000 < 20_000) process.stdout.write(`  ${width === 1 ? 'linear' : `${width}-wide`}: ${n} events loaded (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)'); // the bulk load's WAL is not part of the steady state
    for (let i = 0; i < 200; i++) s.persistEvents([{ event: next() }]); // warm-up
    // Steady state: one event per transaction (each a durable commit), median of 15 slices.
    const slices: number[] = [];
    for (let k = 0; k < 15; k++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < MEASURED / 15; i++) s.persistEvents([{ event: next() }]);
      slices.push(Number(process.hrtime.bigint() - start) / 1e3 / (MEASURED / 15));
    }
    slices.sort((a, b) => a - b);
    costs.set(size, slices[7]);
    const ext = s.getForwardExtremities(ROOM).length;
    console.log(`  ${width === 1 ? 'linear' : `${width}-wide`} @ ${size}: ${slices[7].toFixed(1)} µs per event (median), ${ext} forward extremities`);
  }
  s.close();
  return costs;
}

function bigRoom(): void {
  const file = path.join(dir, 'members.sqlite');
  const db = new Database(file);
  const s = openStorage(db);
  const f = new EventFactory({ roomVersion: '10', serverName: 'bench.local' });
  const alice = '@alice:bench.local';
  const create = f.build({ type: 'm.room.create', stateKey: '', sender: alice, content: { creator: alice, room_version: '10' }, roomId: ROOM });
  const join = f.build({ type: 'm.room.member', stateKey: alice, sender: alice, content: { membership: 'join' }, prevEvents: [create], authEvents: [create], roomId: ROOM });
  const pl = f.build({ type: 'm.room.power_levels', stateKey: '', sender: alice, content: { users: { [alice]: 100 } }, prevEvents: [join], authEvents: [create, join], roomId: ROOM });
  s.persistEvents([{ event: create }, { event: join }, { event: pl }]);
  let prev = pl;
  for (let b = 0; b < 10; b++) {
    const batch = [];
    for (let i = 0; i < 1000; i++) {
      const user = `@member${b * 1000 + i}:bench.local`;
      prev = f.build({ type: 'm.room.member', stateKey: user, sender: user, content: { membership: 'join', displayname: `Member ${b * 1000 + i}` }, prevEvents: [prev], authEvents: [create, pl], roomId: ROOM });
      batch.push({ event: prev });
    }
    s.persistEvents(batch);
  }
  console.log(`  10,000-member room built; current state has ${s.getCurrentState(ROOM).size} entries`);
  const size = (): number => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    return fs.statSync(file).size;
  };
  const before = size();
  let jsonBytes = 0;
  const COUNT = 10_000;
  for (let i = 0; i < COUNT; i++) {
    prev = f.build({ type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: `hello world ${i}` }, prevEvents: [prev], authEvents: [create, pl, join], roomId: ROOM });
    jsonBytes += Buffer.byteLength(JSON.stringify(prev.pdu));
    s.persistEvents([{ event: prev }]);
  }
  const perEvent = (size() - before) / COUNT;
  const avgJson = jsonBytes / COUNT;
  console.log(`  ${COUNT} messages: ${perEvent.toFixed(0)} bytes on disk per event; the event's own JSON averages ${avgJson.toFixed(0)} bytes`);

  // State IDs before an event in that room, against the baseline of reading the room's current-state table.
  const time = (fn: () => void, reps: number): number => {
    fn();
    const start = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    return Number(process.hrtime.bigint() - start) / 1e6 / reps;
  };
  // Storage's own cost, read caches off (a cached state is a Map lookup; its figure is printed too).
  const warmMs = time(() => s.getStateBefore(prev.eventId), 30);
  s.close();
  const cold = openStorage(file, { cacheReads: false });
  const stateMs = time(() => cold.getStateBefore(prev.eventId), 30);
  const stateMidMs = time(() => cold.getStateBefore(pl.eventId), 30);
  const currentMs = time(() => cold.getCurrentState(ROOM), 30);
  cold.close();
  console.log(`  state IDs before the last message: ${stateMs.toFixed(2)} ms uncached (10,002 entries; ${warmMs.toFixed(4)} ms from the read cache); before an early event: ${stateMidMs.toFixed(3)} ms; current-state table read: ${currentMs.toFixed(2)} ms (ratio ${(stateMs / currentMs).toFixed(2)})`);
  benchLine('persist-bytes-per-message', perEvent / avgJson, 'x-json', '<=', 2);
  benchLine('state-ids-before-10k-members', stateMs, 'ms', '<=', 50);
  benchLine('state-ids-vs-current-state-read', stateMs / currentMs, 'ratio', '<=', 3);
}

try {
  const results: [string, number][] = [];
  for (const [name, width] of WIDTHS) {
    const costs = persistCost(width);
    results.push([name, (costs.get(1_000_000) as number) / (costs.get(1_000) as number)]);
  }
  bigRoom();
  for (const [name, ratio] of results) benchLine(`persist-flatness-${name}`, ratio, 'ratio', '<=', 1.3);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
