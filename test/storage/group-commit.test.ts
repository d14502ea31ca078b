// Durability modes over a real SQLite file: every commit synced (the default), or group commit —
// synchronous=NORMAL with one fsync of the WAL per flush(): persistEvents syncs itself unless inside
// groupCommit(), which syncs once at its end. fsync calls are counted through node:fs.
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage, Storage } from '../../src/storage';
import { openStorageWithHandle } from './support/storage-with-handle';
import { MinimalRoom } from './support/minimal-room';

let dir: string;
let storage: Storage;
let fsyncs: jest.SpyInstance;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-group-'));
  fsyncs = jest.spyOn(fs, 'fsyncSync');
});
afterEach(() => {
  storage.close();
  fsyncs.mockRestore();
  rmSync(dir, { recursive: true, force: true });
});

test('default: synchronous=FULL, SQLite syncs each commit and flush() has nothing to do', () => {
  const opened = openStorageWithHandle(join(dir, 'db.sqlite'));
  storage = opened.storage;
  expect(opened.db.pragma('synchronous', { simple: true })).toBe(2);
  const dag = new MinimalRoom('10');
  storage.persistEvents([{ event: dag.create }, { event: dag.join }]);
  storage.flush();
  expect(fsyncs).not.toHaveBeenCalled();
});

test('on-flush: each persist outside a group is synced on return; a group of persists is synced once', async () => {
  const opened = openStorageWithHandle(join(dir, 'db.sqlite'), { durability: 'on-flush' });
  storage = opened.storage;
  expect(opened.db.pragma('synchronous', { simple: true })).toBe(1);
  const dag = new MinimalRoom('10');
  storage.persistEvents([{ event: dag.create }]);
  storage.persistEvents([{ event: dag.join }]);
  expect(fsyncs).toHaveBeenCalledTimes(2);

  fsyncs.mockClear();
  let tip = dag.join;
  await storage.groupCommit(async () => {
    for (let i = 0; i < 20; i++) {
      tip = dag.message([tip]);
      storage.persistEvents([{ event: tip }]);
      await Promise.resolve(); // a group spans awaits, as /send does
    }
    expect(fsyncs).not.toHaveBeenCalled();
  });
  expect(fsyncs).toHaveBeenCalledTimes(1);
  expect(storage.getForwardExtremities(dag.roomId).map((e) => e.eventId)).toEqual([tip.eventId]);
  expect(storage.verifyRoom(dag.roomId).ok).toBe(true);
});

test('on-flush: a persist in another async context during a group still syncs itself', async () => {
  storage = openStorage(join(dir, 'db.sqlite'), { durability: 'on-flush' });
  const dag = new MinimalRoom('10');
  storage.persistEvents([{ event: dag.create }, { event: dag.join }]);
  fsyncs.mockClear();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const group = storage.groupCommit(async () => {
    storage.persistEvents([{ event: dag.message([dag.join], 'in the group') }]);
    await held;
  });
  // Outside the group's context: synced on return, although the group is still open.
  storage.persistEvents([{ event: dag.message([dag.join], 'outside') }]);
  expect(fsyncs).toHaveBeenCalledTimes(1);
  release();
  await group;
  expect(fsyncs).toHaveBeenCalledTimes(2);
});

test('on-flush: what was flushed is there after close and reopen', async () => {
  const file = join(dir, 'db.sqlite');
  storage = openStorage(file, { durability: 'on-flush' });
  const dag = new MinimalRoom('10');
  await storage.groupCommit(async () => {
    storage.persistEvents([{ event: dag.create }, { event: dag.join }]);
  });
  storage.close();
  storage = openStorage(file, { durability: 'on-flush' });
  expect(storage.getEvent(dag.join.eventId)?.event.eventId).toBe(dag.join.eventId);
});

test('a file-backed homeserver syncs a 20-PDU /send a few times, not once per PDU, and keeps every PDU', async () => {
  const { startFixture, createRoom, DAGMAR } = await import('../federation-endpoints/support/fixture');
  const fx = await startFixture(['peer.test'], { dataDir: join(dir, 'hs') });
  const peer = fx.peers[0]!;
  const roomId = await createRoom(fx.hs, '10');
  const { room, join: joined } = await peer.join(DAGMAR, roomId, '@pat:peer.test');
  let tip = joined;
  const events = Array.from({ length: 20 }, (_, i) => (tip = room.message('@pat:peer.test', `m${i}`, [tip])));
  fsyncs.mockClear();
  const sent = await peer.send(DAGMAR, events);
  const syncs = fsyncs.mock.calls.length;
  await fx.stop();
  expect(sent.status).toBe(200);
  // The group's end and the response's flush (the transaction record): a few, whatever the PDU count.
  expect(syncs).toBeGreaterThanOrEqual(1);
  expect(syncs).toBeLessThanOrEqual(3);
  // Reopened from disk: all twenty are there, the last one the room's only extremity.
  storage = openStorage(join(dir, 'hs', 'dagmar.sqlite'));
  expect(storage.getEvents(events.map((e) => e.eventId))).toHaveLength(20);
  expect(storage.getForwardExtremities(roomId).map((e) => e.eventId)).toEqual([tip.eventId]);
});
