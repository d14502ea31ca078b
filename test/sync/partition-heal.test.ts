// Partition, heal, no new event: transactions lost both ways between {A} and {B, C} leave the servers
// apart; after the links heal, MSC4370 anti-entropy alone (nobody sends anything) brings all three to
// the same events, forward extremities and current state within three intervals — and without it
// they stay apart, so the mechanism is what heals them.
import { Homeserver } from '../../src/homeserver';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';

const INTERVAL_S = 0.5;
let fed: TestFederation | undefined;

afterEach(async () => {
  await fed?.stop();
  fed = undefined;
});

const say = (hs: Homeserver, roomId: string, sender: string, body: string) => hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender, content: { body } });

function snapshot(hs: Homeserver, roomId: string): string {
  const events = (hs.storage.getRoomGraph(roomId)?.events ?? []).map((e) => e.eventId).sort();
  const extremities = hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();
  const state = [...hs.storage.getCurrentState(roomId)].sort();
  return JSON.stringify({ events, extremities, state });
}

const allEqual = (servers: Homeserver[], roomId: string) => new Set(servers.map((s) => snapshot(s, roomId))).size === 1;
const eventCount = (servers: Homeserver[], roomId: string) => servers.map((s) => s.storage.getRoomGraph(roomId)?.events.length ?? 0);

/** Three servers in one room, then a partition that drops every transaction between {A} and {B, C} while both sides send. */
async function divergedRoom(antiEntropyIntervalSeconds: number): Promise<{ servers: Homeserver[]; roomId: string }> {
  // The growth limit out of reach: no dummy event may do the healing for us.
  fed = await startTestFederation(['a.test', 'b.test', 'c.test'], { antiEntropyIntervalSeconds, maxForwardExtremities: 1_000_000 });
  const [a, b, c] = fed.servers as [Homeserver, Homeserver, Homeserver];
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  await b.rooms.joinRoom(roomId, '@bob:b.test', { via: ['a.test'] });
  await c.rooms.joinRoom(roomId, '@carol:c.test', { via: ['a.test'] });
  const plId = a.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!;
  const pl = a.storage.getEvent(plId)!.event.content;
  await a.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: '@alice:a.test', stateKey: '', content: { ...pl, users: { '@alice:a.test': 100, '@bob:b.test': 100 } } });
  await eventually(() => allEqual(fed!.servers, roomId), 'the room on all three servers', 15_000);

  fed.partition([['a.test'], ['b.test', 'c.test']], 'drop');
  for (let i = 0; i < 3; i++) await say(a, roomId, '@alice:a.test', `a alone ${i}`);
  await a.rooms.sendLocalEvent(roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'set on A during the partition' } });
  await say(b, roomId, '@bob:b.test', 'b during the partition');
  await b.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: '@bob:b.test', stateKey: '', content: { ...pl, users: { '@alice:a.test': 100, '@bob:b.test': 100, '@carol:c.test': 50 } } });
  await say(c, roomId, '@carol:c.test', 'c during the partition');
  await Promise.all(fed.servers.map((s) => s.sender.idle()));
  await eventually(() => snapshot(b, roomId) === snapshot(c, roomId), 'b and c agreeing on their side', 15_000);
  // Every transaction across the cut was answered 200 and lost: nothing is queued to retry.
  expect(a.sender.pendingFor('b.test') + b.sender.pendingFor('a.test') + c.sender.pendingFor('a.test')).toBe(0);
  expect(snapshot(a, roomId)).not.toBe(snapshot(b, roomId));
  return { servers: fed.servers, roomId };
}

test('after heal, anti-entropy alone converges events, extremities and current state within three intervals', async () => {
  const { servers, roomId } = await divergedRoom(INTERVAL_S);
  const [a, b] = servers as [Homeserver, Homeserver, Homeserver];
  const union = new Set(servers.flatMap((s) => (s.storage.getRoomGraph(roomId)?.events ?? []).map((e) => e.eventId)));
  fed!.heal();
  await eventually(() => allEqual(servers, roomId), 'convergence after heal', 3 * INTERVAL_S * 1000);
  // No event was created to heal it: every server holds exactly what the two sides held together.
  expect(eventCount(servers, roomId)).toEqual(servers.map(() => union.size));
  // Both sides' state changes are in the resolved state everywhere.
  expect(a.storage.getEvent(a.rooms.currentStateEventId(roomId, 'm.room.topic', '')!)!.event.content.topic).toBe('set on A during the partition');
  expect(b.storage.getEvent(b.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!)!.event.content.users).toMatchObject({ '@carol:c.test': 50 });
  expect(a.storage.getForwardExtremities(roomId).length).toBeGreaterThan(1);
  expect(servers.reduce((n, s) => n + s.metrics.antiEntropyHealed.value(), 0)).toBeGreaterThan(0);
  expect(servers.reduce((n, s) => n + s.metrics.dummyEvents.value(), 0)).toBe(0);
  for (const s of servers) expect(s.storage.verifyRoom(roomId).problems).toEqual([]);
});

test('with anti-entropy off the same partition does not converge in the same time', async () => {
  const { servers, roomId } = await divergedRoom(0);
  fed!.heal();
  await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_S * 1000));
  expect(allEqual(servers, roomId)).toBe(false);
  expect(servers.reduce((n, s) => n + s.metrics.antiEntropyPolls.value(), 0)).toBe(0);
});
