// Two dagmar homeservers in one process on loopback: a remote join through make_join/send_join, events
// flowing both ways through /send, and both servers agreeing on events, state and /extremities.
import { createHomeserver, Homeserver } from '../../src/homeserver';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { eventually } from '../../src/testing';

let a: Homeserver;
let b: Homeserver;

beforeEach(async () => {
  a = createHomeserver({ serverName: 'a.test', dataDir: ':memory:', rateLimit: false, initialBackoffMs: 20, maxBackoffMs: 200 });
  b = createHomeserver({ serverName: 'b.test', dataDir: ':memory:', rateLimit: false, initialBackoffMs: 20, maxBackoffMs: 200 });
  await a.start({ port: 0 });
  await b.start({ port: 0 });
  a.hostMap.set('b.test', b.url());
  b.hostMap.set('a.test', a.url());
});

afterEach(async () => {
  await a.stop();
  await b.stop();
});

describe.each(['1', '3', '10', '11', '12'])('room version %s', (version) => {
  test('b joins a room on a, both send, both converge', async () => {
    const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: version, preset: 'public_chat' });
    const joined = await joinRemoteRoom(b, roomId, '@bob:b.test', ['a.test']);
    expect(joined.outcome.status).toBe('accepted');
    expect(b.rooms.membershipOf(roomId, '@bob:b.test')).toBe('join');
    expect(a.rooms.membershipOf(roomId, '@bob:b.test')).toBe('join');
    expect(a.rooms.joinedServers(roomId)).toEqual(['a.test', 'b.test']);

    const fromA = await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: 'hello from a' } });
    await eventually(() => b.storage.getEvent(fromA.eventId) !== undefined, 'a → b');
    const fromB = await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: 'hello from b' } });
    await eventually(() => a.storage.getEvent(fromB.eventId) !== undefined, 'b → a');

    expect(a.rooms.prevEventsFor(roomId)).toEqual(b.rooms.prevEventsFor(roomId));
    expect([...a.storage.getCurrentState(roomId)].sort()).toEqual([...b.storage.getCurrentState(roomId)].sort());
    expect(a.storage.verifyRoom(roomId).problems).toEqual([]);
    expect(b.storage.verifyRoom(roomId).problems).toEqual([]);
  });
});
