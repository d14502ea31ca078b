// A user's suite against the installed package: DagBuilder, hs.load, TestPeer, the matchers and
// startTestHomeserver, imported only through `dagmar/testing` and `dagmar/testing/jest`. README's examples are these.
import type { Homeserver } from 'dagmar';
import { createTestPeer, DagBuilder, startTestHomeserver, type TestPeer } from 'dagmar/testing';
import 'dagmar/testing/jest';

let hs: Homeserver;
beforeAll(async () => {
  hs = await startTestHomeserver('hs.test'); // in memory, 127.0.0.1, ephemeral port
});
afterEach(() => hs.reset()); // empty again, same key and port: faster than a restart
afterAll(() => hs.stop());

test('a forked DAG loads with every check and the server agrees with the builder', async () => {
  const dag = new DagBuilder({ roomVersion: '12', servers: ['a.test'], seed: 'readme' });
  dag
    .create('@alice:a.test')
    .join('@bob:a.test')
    .fork('left', (d) => d.state('m.room.topic', '', { topic: 'L' }))
    .fork('right', (d) => d.state('m.room.topic', '', { topic: 'R' }))
    .message('forged', { badSignature: true, name: 'bad' });
  await hs.load(dag); // as if received over /send: signatures, hashes, auth, soft-fail

  expect(hs).toHaveForwardExtremities(dag.roomId, ['left', 'right'], { dag });
  expect(hs).toHaveCurrentState(dag.roomId, dag.currentState(), { exact: true });
  expect(hs.storage.getEvent(dag.eventId('bad'))).toBeUndefined(); // dropped: bad signature
});

test('a peer joins, forks on purpose, and dagmar fetches what it lacks from the peer', async () => {
  const peer: TestPeer = (await createTestPeer({ serverName: 'peer.test', seed: 'readme' })).connect(hs);
  try {
    const roomId = await hs.rooms.createRoom({ creator: '@alice:hs.test', roomVersion: '12', preset: 'public_chat' });
    const { event: join } = await peer.join(roomId, '@bob:peer.test'); // make_join + send_join, answer verified

    const a = await peer.buildEvent(roomId, { type: 'm.room.message', sender: '@bob:peer.test', content: { body: 'a' } }, { prevEvents: [join.eventId] });
    const b = await peer.buildEvent(roomId, { type: 'm.room.message', sender: '@bob:peer.test', content: { body: 'b' } }, { prevEvents: [a.eventId] });
    await peer.send([b]); // dagmar lacks a: it asks the peer, which answers from its own DAG

    const asked = await peer.waitForRequest(`POST /_matrix/federation/v1/get_missing_events/${roomId}`);
    expect(asked.origin).toBe('hs.test');
    expect(hs).toHaveForwardExtremities(roomId, [b.eventId]);
    expect(hs).toHaveConvergedWith([peer], roomId);
  } finally {
    await peer.stop();
  }
});

test('a failing matcher prints the DAG around the difference', async () => {
  const dag = new DagBuilder({ roomVersion: '10', servers: ['a.test'], seed: 'message' });
  dag.create('@alice:a.test').fork('x', (d) => d.message('x')).fork('y', (d) => d.message('y'));
  await hs.load(dag);
  expect(() => expect(hs).toHaveForwardExtremities(dag.roomId, ['x'], { dag })).toThrow(/around the difference[\s\S]*y \(\$/);
});
