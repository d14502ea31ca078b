// The cached current state moves forward with each committed change, and a new event's state is built
// on its parent's cached one (neither is reloaded whole after every state event); both always equal what
// the database holds: checked against a second, uncached connection to the same file after joins, leaves,
// a fork resolved by state resolution and a ban.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Homeserver } from '../../src/homeserver';
import { openStorage, Storage } from '../../src/storage';
import { startTestHomeserver } from '../../src/testing';

describe.each(['1', '10', '12'])('room version %s', (roomVersion) => {
  let dir: string;
  let hs: Homeserver;
  let reader: Storage;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dagmar-current-cache-'));
    hs = await startTestHomeserver('a.test', { dataDir: dir });
    reader = openStorage(join(dir, 'dagmar.sqlite'), { cacheReads: false });
  });
  afterEach(async () => {
    reader.close();
    await hs.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const same = (roomId: string) => {
    expect([...hs.storage.getCurrentState(roomId)].sort()).toEqual([...reader.getCurrentState(roomId)].sort());
    for (const { eventId } of hs.rooms.prevEventsFor(roomId)) {
      expect([...hs.storage.getStateAfter(eventId)].sort()).toEqual([...reader.getStateAfter(eventId)].sort());
    }
  };

  test('joins, a leave, a forked topic resolved at a merge, and a ban', async () => {
    const alice = '@alice:a.test';
    const roomId = await hs.rooms.createRoom({ creator: alice, roomVersion, preset: 'public_chat' });
    hs.storage.getCurrentState(roomId); // cached from here on
    for (let i = 0; i < 25; i++) {
      await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: `@u${i}:a.test`, stateKey: `@u${i}:a.test`, content: { membership: 'join' } });
      same(roomId);
    }
    await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: '@u3:a.test', stateKey: '@u3:a.test', content: { membership: 'leave' } });
    same(roomId);
    const [tip] = hs.rooms.prevEventsFor(roomId);
    const left = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.topic', sender: alice, stateKey: '', content: { topic: 'left' } }, { prevEventIds: [tip!.eventId] });
    const right = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.topic', sender: alice, stateKey: '', content: { topic: 'right' } }, { prevEventIds: [tip!.eventId] });
    expect(hs.rooms.prevEventsFor(roomId).map((e) => e.eventId).sort()).toEqual([left.eventId, right.eventId].sort());
    same(roomId);
    await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: 'merge' } });
    same(roomId);
    await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: alice, stateKey: '@u7:a.test', content: { membership: 'ban' } });
    same(roomId);
    expect(hs.rooms.membershipOf(roomId, '@u7:a.test')).toBe('ban');
  });
});
