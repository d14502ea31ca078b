// The embedded test fixture as a user sees it: an in-memory server, a DAG with a fork built on purpose,
// and a two-server federation, all through `dagmar/testing`.
import { eventually, startTestFederation, startTestHomeserver } from '../../src/testing';

test('an in-memory server builds a fork on purpose and merges it with its next event', async () => {
  const hs = await startTestHomeserver('fixture.test');
  try {
    const roomId = await hs.rooms.createRoom({ creator: '@alice:fixture.test', roomVersion: '11', preset: 'public_chat' });
    const [base] = hs.rooms.prevEventsFor(roomId);
    const left = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:fixture.test', content: { body: 'left' } }, { prevEventIds: [base!.eventId] });
    const right = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:fixture.test', content: { body: 'right' } }, { prevEventIds: [base!.eventId] });
    expect(hs.rooms.prevEventsFor(roomId).map((e) => e.eventId).sort()).toEqual([left.eventId, right.eventId].sort());
    const merge = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:fixture.test', content: { body: 'merge' } });
    expect([...merge.prevEventIds].sort()).toEqual([left.eventId, right.eventId].sort());
    expect(hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual([merge.eventId]);
    await expect(hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:fixture.test', content: {} }, { prevEventIds: ['$nope'] })).rejects.toMatchObject({ errcode: 'M_INVALID_PARAM' });
  } finally {
    await hs.stop();
  }
});

test('a test federation wires its servers to each other', async () => {
  const federation = await startTestFederation(['one.test', 'two.test']);
  try {
    const one = federation.get('one.test');
    const two = federation.get('two.test');
    const roomId = await one.rooms.createRoom({ creator: '@a:one.test', preset: 'public_chat' });
    const { joinRemoteRoom } = await import('../../src/testing');
    await joinRemoteRoom(two, roomId, '@b:two.test', ['one.test']);
    const sent = await one.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@a:one.test', content: { body: 'hi' } });
    await eventually(() => two.storage.getEvent(sent.eventId) !== undefined, 'the message to reach two.test');
    expect(two.rooms.prevEventsFor(roomId)).toEqual(one.rooms.prevEventsFor(roomId));
  } finally {
    await federation.stop();
  }
});
