// Crash-test child: persists events into <dbfile> (durability argv[3]) in a loop and prints "ack <eventId>" once each batch is committed.
// Plain node on the built dist/ (made current by the test run's globalSetup), so that a child starts without compiling src/.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dist = path.join(__dirname, '..', '..', '..', 'dist');
const { openStorage } = require(path.join(dist, 'storage'));
const { EventFactory } = require(path.join(dist, 'testing'));

const ALICE = '@alice:test.local';
const file = process.argv[2];
const storage = openStorage(file, { durability: process.argv[3] === 'on-flush' ? 'on-flush' : 'every-commit' });
const factory = new EventFactory({ roomVersion: '10', serverName: 'test.local' });
// One room per database file; its ID is kept in the file so that a restarted writer continues it.
const [existing] = storage.listRooms();
const roomId = existing ? existing.roomId : `!room${Math.floor(Math.random() * 1e9)}:test.local`;
const ack = (ids) => {
  fs.writeSync(1, ids.map((id) => `ack ${id}\n`).join(''));
};
if (!existing) {
  const create = factory.build({ type: 'm.room.create', stateKey: '', sender: ALICE, content: { creator: ALICE, room_version: '10' }, roomId });
  const join = factory.build({ type: 'm.room.member', stateKey: ALICE, sender: ALICE, content: { membership: 'join' }, prevEvents: [create], authEvents: [create], roomId });
  storage.persistEvents([{ event: create }, { event: join }]);
  ack([create.eventId, join.eventId]);
}
const byId = (id) => storage.getEvent(id).event;
// Storage does not run auth: the events need no auth_events, only a graph and state keys.
const build = (type, prevs, stateKey) =>
  factory.build({ type, stateKey, sender: ALICE, content: { n: Math.floor(Math.random() * 1e9) }, prevEvents: prevs, roomId, authEvents: [] });

fs.writeSync(1, 'ready\n');
for (let i = 0; ; i++) {
  const prevs = storage.getForwardExtremities(roomId, 20).map((e) => byId(e.eventId));
  const r = Math.random();
  const items = [];
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
