// Crash-test child: persists events into <dbfile> (durability argv[3]) in a loop and prints "ack <eventId>" once each batch is committed.
import fs from 'node:fs';
import type { RoomEvent } from '../../../src/protocol/room-event';
import { openStorage } from '../../../src/storage';
import { MinimalRoom } from './minimal-room';

const file = process.argv[2];
const storage = openStorage(file, { durability: process.argv[3] === 'on-flush' ? 'on-flush' : 'every-commit' });
// One room per database file; its ID is kept in the file so that a restarted writer continues it.
const dag = new MinimalRoom('10');
const existing = storage.db.prepare('SELECT room_id FROM rooms LIMIT 1').get() as { room_id: string } | undefined;
const roomId = existing?.room_id ?? dag.roomId;
const ack = (ids: string[]): void => {
  fs.writeSync(1, ids.map((id) => `ack ${id}\n`).join(''));
};
if (!existing) {
  storage.persistEvents([{ event: dag.create }, { event: dag.join }]);
  ack([dag.create.eventId, dag.join.eventId]);
}
const byId = (id: string): RoomEvent => (storage.getEvent(id) as { event: RoomEvent }).event;
const build = (type: string, prevs: RoomEvent[], stateKey?: string): RoomEvent =>
  dag.factory.build({ type, stateKey, sender: '@alice:test.local', content: { n: Math.floor(Math.random() * 1e9) }, prevEvents: prevs, roomId, authEvents: [] });

fs.writeSync(1, 'ready\n');
for (let i = 0; ; i++) {
  const prevs = storage.getForwardExtremities(roomId, 20).map((e) => byId(e.eventId));
  const r = Math.random();
  const items: { event: RoomEvent; softFailed?: boolean; outlier?: boolean }[] = [];
  if (r < 0.15) {
    // a fork of two messages (same state), merged by the next event
    items.push({ event: build('m.room.message', prevs) }, { event: build('m.room.message', prevs) });
  } else if (r < 0.25) {
    items.push({ event: build('m.room.message', prevs), softFailed: true });
  } else if (r < 0.3) {
    items.push({ event: build('m.room.message', [build('m.room.message', prevs)]), outlier: true });
  } else if (r < 0.5) {
    items.push({ event: build('m.room.member', prevs, `@u${i}:test.local`) });
  } else {
    const a = build('m.room.message', prevs);
    items.push({ event: a }, { event: build('m.room.message', [a]) });
  }
  storage.persistEvents(items);
  ack(items.map((x) => x.event.eventId));
}
