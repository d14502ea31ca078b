// Test helper: a room on a real homeserver whose DAG has every kind of node the admin tools draw —
// a fork (two forward extremities), a rejected event and a soft-failed one — for any room version.
import type { Homeserver } from '../../../src/homeserver';
import type { RoomEvent } from '../../../src/protocol/room-event';
import { stateKey } from '../../../src/protocol/state-map';
import { EventFactory } from '../../../src/testing/event-factory';

export const REMOTE = 'remote.test';

export interface SampleRoom {
  roomId: string;
  /** The local ban of bob, the parent of the fork. */
  ban: RoomEvent;
  forkA: RoomEvent;
  forkB: RoomEvent;
  /** mallory never joined. */
  rejected: RoomEvent;
  /** bob's message citing the state before his ban. */
  softFailed: RoomEvent;
}

/**
 *     create … head ← bobJoin ← carolJoin ← ban ← forkA
 *                        ↑                   ↑  ↖ forkB
 *                   softFailed           rejected
 */
export async function buildSampleRoom(hs: Homeserver, version: string): Promise<SampleRoom> {
  const alice = `@alice:${hs.serverName}`;
  const bob = `@bob:${REMOTE}`;
  const carol = `@carol:${REMOTE}`;
  const { storage, rooms } = hs;
  const factory = new EventFactory({ roomVersion: version, serverName: REMOTE });
  const roomId = await rooms.createRoom({ creator: alice, roomVersion: version, preset: 'public_chat' });
  const stored = (id: string): RoomEvent => {
    const e = storage.getEvent(id);
    if (!e) throw new Error(`not stored: ${id}`);
    return e.event;
  };
  const current = (type: string, key = ''): RoomEvent => stored(storage.getCurrentState(roomId).get(stateKey(type, key)) as string);
  // v12 rooms name their create event through the room ID and do not cite it.
  const base = (): RoomEvent[] =>
    factory.roomVersion.roomIdFromCreateEvent ? [current('m.room.power_levels')] : [current('m.room.create'), current('m.room.power_levels')];
  const ingest = async (event: RoomEvent, expected: string): Promise<RoomEvent> => {
    const outcome = await rooms.ingestRemoteEvent(event);
    if (outcome.status !== expected) throw new Error(`${event.type} from ${event.sender}: ${outcome.status} (${outcome.reason ?? ''}), expected ${expected}`);
    return event;
  };
  const head = stored(rooms.prevEventsFor(roomId)[0]?.eventId as string);
  const joinRules = current('m.room.join_rules');
  const bobJoin = await ingest(factory.build({ type: 'm.room.member', stateKey: bob, sender: bob, content: { membership: 'join' }, prevEvents: [head], authEvents: [...base(), joinRules], roomId }), 'accepted');
  const carolJoin = await ingest(factory.build({ type: 'm.room.member', stateKey: carol, sender: carol, content: { membership: 'join' }, prevEvents: [bobJoin], authEvents: [...base(), joinRules], roomId }), 'accepted');
  const ban = await rooms.sendLocalEvent(roomId, { type: 'm.room.member', stateKey: bob, sender: alice, content: { membership: 'ban' } });
  if (!ban.prevEventIds.includes(carolJoin.eventId)) throw new Error('the ban should follow carol');
  const softFailed = await ingest(factory.build({ type: 'm.room.message', sender: bob, content: { msgtype: 'm.text', body: 'still here' }, prevEvents: [bobJoin], authEvents: [...base(), bobJoin], roomId }), 'soft-failed');
  const rejected = await ingest(factory.build({ type: 'm.room.message', sender: `@mallory:${REMOTE}`, content: { msgtype: 'm.text', body: 'x' }, prevEvents: [ban], authEvents: base(), roomId }), 'rejected');
  const forkA = await ingest(factory.build({ type: 'm.room.message', sender: carol, content: { msgtype: 'm.text', body: 'A "quoted" \\ line\nbreak' }, prevEvents: [ban], authEvents: [...base(), carolJoin], roomId }), 'accepted');
  const forkB = await ingest(factory.build({ type: 'm.room.message', sender: carol, content: { msgtype: 'm.text', body: 'B' }, prevEvents: [ban], authEvents: [...base(), carolJoin], roomId }), 'accepted');
  return { roomId, ban, forkA, forkB, rejected, softFailed };
}
