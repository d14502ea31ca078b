// An event first stored as an outlier (fetched for an auth chain) and later received as part of the
// timeline joins the graph: the forward extremities and the current state are recomputed with it
// (Synapse still has this open, element-hq/synapse#6607). Over real HTTP with a federation test peer.
import { createRoom, DAGMAR, useEndpointFixture } from '../federation-endpoints/support/fixture';

const PAT = '@pat:peer.test';
const fx = useEndpointFixture(['peer.test'], { antiEntropyIntervalSeconds: 0 });

const extremities = (roomId: string) => fx.hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();

test.each(['10', '12'])('room v%s: an outlier seen later in the timeline joins the graph and the extremities', async (version) => {
  const { hs, peer } = fx;
  const roomId = await createRoom(hs, version);
  const { room, join } = await peer.join(DAGMAR, roomId, PAT);
  // Pat's new display name M, never sent; then a message X that cites M as its auth event but builds on the join.
  const rename = room.build({ type: 'm.room.member', sender: PAT, stateKey: PAT, content: { membership: 'join', displayname: 'Pat' }, prevEvents: [join] });
  const message = room.message(PAT, 'after the rename', [join]);
  expect(message.authEventIds).toContain(rename.eventId);

  const first = await peer.send(DAGMAR, [message]);
  expect(first.body.pdus[message.eventId]).toEqual({});
  // M came through /event_auth: stored, but outside the graph.
  expect(hs.storage.getEvent(rename.eventId)).toMatchObject({ outlier: true });
  expect(extremities(roomId)).toEqual([message.eventId]);
  expect(hs.rooms.currentStateEventId(roomId, 'm.room.member', PAT)).toBe(join.eventId);

  // Now M itself arrives in a transaction: it is promoted, a fork beside X.
  const second = await peer.send(DAGMAR, [rename]);
  expect(second.body.pdus[rename.eventId]).toEqual({});
  expect(hs.storage.getEvent(rename.eventId)).toMatchObject({ outlier: false, softFailed: false });
  expect(extremities(roomId)).toEqual([message.eventId, rename.eventId].sort());
  expect(hs.rooms.currentStateEventId(roomId, 'm.room.member', PAT)).toBe(rename.eventId);
  expect(hs.storage.getBackwardExtremities(roomId)).not.toContain(rename.eventId);
  expect(hs.storage.verifyRoom(roomId).problems).toEqual([]);

  // Our next event merges both.
  const next = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:dagmar.test', content: { body: 'merged' } });
  expect([...next.prevEventIds].sort()).toEqual([message.eventId, rename.eventId].sort());
  expect(extremities(roomId)).toEqual([next.eventId]);
});
