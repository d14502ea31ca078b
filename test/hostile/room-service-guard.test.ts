// The last line behind the intake paths: RoomService refuses, with 403 M_FORBIDDEN and nothing
// stored, a remote event given a state with another room's event in it, one citing such an event,
// and an outlier batch that mixes rooms.
import { MatrixError } from '../../src/protocol/errors';
import { RoomEvent } from '../../src/protocol/room-event';
import { stateKey } from '../../src/protocol/state-map';
import { ALICE, createRoom, DAGMAR, Fixture, startFixture, stored } from '../federation-endpoints/support/fixture';
import { PeerRoom } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:peer.test';

let fx: Fixture;
let r1: string;
let r3Topic: RoomEvent;
let room: PeerRoom;
let join: RoomEvent;

beforeEach(async () => {
  fx = await startFixture(['peer.test']);
  r1 = await createRoom(fx.hs, '12');
  const r3 = await fx.hs.rooms.createRoom({ creator: ALICE, roomVersion: '12', preset: 'private_chat', topic: 'secret topic' });
  r3Topic = stored(fx.hs, fx.hs.storage.getCurrentState(r3).get(stateKey('m.room.topic', ''))!);
  ({ room, join } = await fx.peers[0]!.join(DAGMAR, r1, PAT));
});
afterEach(() => fx.stop());

const forbidden = (message: RegExp) => expect.objectContaining({ constructor: MatrixError, status: 403, errcode: 'M_FORBIDDEN', message: expect.stringMatching(message) });

test('a state set naming an event of another room', async () => {
  const e = room.message(PAT, 'hi', [room.message(PAT, 'gap', [join])]);
  const state = new Map(fx.hs.storage.getCurrentState(r1)).set(stateKey('m.room.topic', ''), r3Topic.eventId);
  await expect(fx.hs.rooms.ingestRemoteEvent(e, [state])).rejects.toEqual(forbidden(new RegExp(`${escape(r3Topic.eventId)} belongs to room ${escape(r3Topic.roomId)}`)));
  expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
});

test('an event citing an event of another room as its parent', async () => {
  const e = room.message(PAT, 'hi', [join, r3Topic]);
  await expect(fx.hs.rooms.ingestRemoteEvent(e)).rejects.toEqual(forbidden(/belongs to room/));
  expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
});

test('an outlier batch mixing rooms stores nothing', () => {
  const own = room.message(PAT, 'mine', [join]);
  const { room: other, tip } = fx.peers[0]!.createOwnRoom('@boss:peer.test', '12');
  expect(() => fx.hs.rooms.ingestOutliers([own, tip])).toThrow(MatrixError);
  expect(fx.hs.storage.getEvent(own.eventId)).toBeUndefined();
  expect(fx.hs.storage.hasRoom(other.roomId)).toBe(false);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
