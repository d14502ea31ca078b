// Shared by the recover tests: two servers (B on disk) in a room with forks, several senders and state
// changes on both sides, and the comparison of what two servers hold of a room.
import type { Homeserver } from '../../../src/homeserver';
import { eventually } from '../../../src/testing';

/** Builds about `events` events in a new room of A that B (already started) joins; returns the room ID. */
export async function busyRoom(a: Homeserver, b: Homeserver, events: number): Promise<string> {
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  await b.rooms.joinRoom(roomId, '@bob:b.test', { via: ['a.test'] });
  const plId = a.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!;
  const pl = a.storage.getEvent(plId)!.event.content;
  await a.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: '@alice:a.test', stateKey: '', content: { ...pl, users: { '@alice:a.test': 100, '@bob:b.test': 100 } } });
  await eventually(() => sameTips(a, b, roomId), 'b holding the room', 15_000);
  // Counted as sent (B's reach A a little later): the room ends with about `events` events.
  let sent = a.storage.getRoomGraph(roomId)!.events.length;
  for (let i = 0; sent < events; i++) {
    // Both at once: their events fork the room, and the next ones merge the forks.
    await Promise.all([
      a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: `a ${i}` } }),
      b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: `b ${i}` } }),
    ]);
    sent += 2;
    if (i % 20 === 5) {
      await a.rooms.sendLocalEvent(roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: `topic ${i}` } });
      sent++;
    }
    if (i % 20 === 15) {
      await b.rooms.sendLocalEvent(roomId, { type: 'm.room.name', sender: '@bob:b.test', stateKey: '', content: { name: `name ${i}` } });
      sent++;
    }
    // A fork on purpose, off an older event.
    if (i % 30 === 10) {
      const old = a.storage.getRoomGraph(roomId)!.events.filter((e) => !e.outlier).slice(-8)[0]!.eventId;
      await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: `fork ${i}` } }, { prevEventIds: [old] });
      sent++;
    }
  }
  await eventually(() => sameTips(a, b, roomId), 'a and b agreeing on the room', 30_000);
  return roomId;
}

/** What a server holds of a room: graph events (not outliers), forward extremities, current state. */
export function roomView(hs: Homeserver, roomId: string): { events: string[]; extremities: string[]; state: Array<[string, string]> } {
  const events = (hs.storage.getRoomGraph(roomId)?.events ?? []).filter((e) => !e.outlier).map((e) => e.eventId).sort();
  const extremities = hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();
  const state = hs.storage.hasRoom(roomId) ? [...hs.storage.getCurrentState(roomId)].sort() : [];
  return { events, extremities, state };
}

export function same(a: Homeserver, b: Homeserver, roomId: string): boolean {
  return JSON.stringify(roomView(a, roomId)) === JSON.stringify(roomView(b, roomId));
}

/** The same forward extremities and current state (B's history before its join is outliers, so not the same events). */
export function sameTips(a: Homeserver, b: Homeserver, roomId: string): boolean {
  const tips = (hs: Homeserver) => JSON.stringify({ ...roomView(hs, roomId), events: [] });
  return tips(a) === tips(b);
}
