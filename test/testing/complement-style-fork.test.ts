// A Complement-style scenario written with dagmar/testing: a peer joins a room on dagmar, forks the DAG
// on purpose and sends only the tip; dagmar fetches what it lacks from the peer's real DAG, and both
// servers end with the same extremities. Complement's ServerRoom cannot serve these fetches by itself.
import type { Homeserver } from '../../src/homeserver';
import { createTestPeer, eventually, startTestHomeserver, TestPeer } from '../../src/testing';
import '../../src/testing/jest';

const ALICE = '@alice:hs.test';
const BOB = '@bob:peer.test';

let hs: Homeserver;
let peer: TestPeer;

beforeEach(async () => {
  hs = await startTestHomeserver('hs.test');
  peer = (await createTestPeer({ serverName: 'peer.test' })).connect(hs);
});
afterEach(async () => {
  await hs.stop();
  await peer.stop();
});

describe.each(['10', '12'])('room version %s', (version) => {
  test('dagmar fills a forked gap with /get_missing_events from the peer; both converge on two extremities', async () => {
    const roomId = await hs.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'public_chat' });
    const { event: join } = await peer.join(roomId, BOB);

    // On dagmar, alice goes on from bob's join.
    const m = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: ALICE, content: { body: 'M' } });
    await eventually(() => peer.storage.getEvent(m.eventId) !== undefined, 'alice\'s message to reach the peer');

    // On the peer, bob forks from his own join (not from M), three events deep; only the tip is sent.
    const a = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'A' } }, { prevEvents: [join.eventId] });
    const b = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'B' } }, { prevEvents: [a.eventId] });
    const c = await peer.buildEvent(roomId, { type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join', displayname: 'Bob of the fork' } }, { prevEvents: [b.eventId] });
    expect(peer).toHaveForwardExtremities(roomId, [m.eventId, c.eventId]);
    const answer = await peer.send([c]);
    expect(answer.body.pdus[c.eventId]).toEqual({});

    const asked = await peer.waitForRequest(`POST /_matrix/federation/v1/get_missing_events/${roomId}`);
    expect(asked).toMatchObject({ origin: 'hs.test', status: 200, body: { latest_events: [c.eventId] } });
    expect(hs.storage.getEvent(a.eventId)).toMatchObject({ outlier: false, softFailed: false });
    expect(hs.storage.getEvent(b.eventId)).toMatchObject({ outlier: false, softFailed: false });
    expect(hs).toHaveForwardExtremities(roomId, ['M', 'C'], { names: { M: m.eventId, C: c.eventId } });
    expect(hs).toHaveCurrentState(roomId, [['m.room.member', BOB, c.eventId]]);
    expect(hs).toHaveConvergedWith([peer], roomId);

    // dagmar's next event merges the fork, and the peer takes it in through its real /send.
    const merge = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: ALICE, content: { body: 'merge' } });
    expect([...merge.prevEventIds].sort()).toEqual([m.eventId, c.eventId].sort());
    await eventually(() => peer.storage.getEvent(merge.eventId) !== undefined, 'the merge to reach the peer');
    expect(peer).toHaveForwardExtremities(roomId, [merge.eventId]);
    expect(hs).toHaveConvergedWith([peer], roomId);
  });
});

test('when the peer will not give the missing events, dagmar asks /state_ids at the event, takes it, and keeps the gap', async () => {
  const roomId = await hs.rooms.createRoom({ creator: ALICE, roomVersion: '11', preset: 'public_chat' });
  const { event: join } = await peer.join(roomId, BOB);
  peer.override('POST', '/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
    ctx.body = { events: [] };
  });
  const hidden = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'hidden' } }, { prevEvents: [join.eventId] });
  const tip = await peer.buildEvent(roomId, { type: 'm.room.message', sender: BOB, content: { body: 'tip' } }, { prevEvents: [hidden.eventId] });
  await peer.send([tip]);
  const stateIds = await peer.waitForRequest((r) => r.path.startsWith('/_matrix/federation/v1/state_ids/') && r.query.event_id !== undefined);
  expect(stateIds.origin).toBe('hs.test');
  await eventually(() => hs.storage.getEvent(tip.eventId) !== undefined, 'the tip to be stored');
  // The gap stays open on dagmar (DESIGN §2): the join is still an extremity, the hidden event a backward one.
  expect(hs).toHaveForwardExtremities(roomId, [tip.eventId, join.eventId]);
  expect(hs.storage.getBackwardExtremities(roomId)).toEqual([hidden.eventId]);
  expect(peer).toHaveForwardExtremities(roomId, [tip.eventId]);
  expect(hs).not.toHaveConvergedWith([peer], roomId);
});
