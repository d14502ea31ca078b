// hs.load / loadDag and hs.reset on a real in-memory dagmar: a DagBuilder DAG arrives with every check (bad
// events judged as on /send), and a reset server is empty but keeps its key, listener and federation.
import type { Homeserver } from '../../src/homeserver';
import { createTestPeer, DagBuilder, loadDag, startTestHomeserver } from '../../src/testing';
import '../../src/testing/jest';

let hs: Homeserver;
beforeEach(async () => {
  hs = await startTestHomeserver('hs.test');
});
afterEach(async () => {
  await hs.stop();
});

describe.each(['1', '3', '10', '12'])('room version %s', (version) => {
  test('loadDag persists a forked DAG with bad events as a receiving server judges it', async () => {
    const dag = new DagBuilder({ roomVersion: version, servers: ['a.test', 'b.test'], seed: `load-${version}` });
    dag
      .create('@alice:a.test')
      .join('@carol:b.test')
      .fork('left', (d) => d.message('l'))
      .fork('right', (d) => d.message('r').message('bad sig', { badSignature: true, name: 'sig' }))
      .message('rejected', { rejected: true, name: 'rej', prevEvents: ['left'] })
      .message('tampered', { badHash: true, name: 'hash', prevEvents: ['left'] });
    const result = await loadDag(hs, dag);
    expect(result.outcomes.get(dag.eventId('sig'))).toBe('dropped');
    expect(result.outcomes.get(dag.eventId('rej'))).toBe('rejected');
    expect(result.outcomes.get(dag.eventId('hash'))).toBe('accepted');
    expect(hs.storage.getEvent(dag.eventId('hash'))?.event.content).toEqual({}); // redacted for its bad hash
    expect(hs.storage.getEvent(dag.eventId('sig'))).toBeUndefined();
    expect(hs).toHaveForwardExtremities(dag.roomId, dag.forwardExtremities().names, { dag });
    expect(hs).toHaveCurrentState(dag.roomId, dag.currentState(), { exact: true });
    expect(hs.storage.verifyRoom(dag.roomId)).toMatchObject({ ok: true });
  });
});

test('hs.reset() empties the server, which keeps its key and address and federates again at once', async () => {
  const key = hs.signingKey().publicKey;
  const url = hs.url();
  const roomId = await hs.rooms.createRoom({ creator: '@alice:hs.test', roomVersion: '11', preset: 'public_chat' });
  const peer = (await createTestPeer({ serverName: 'peer.test' })).connect(hs);
  try {
    await peer.join(roomId, '@bob:peer.test');
    await hs.reset();
    expect(hs.storage.hasRoom(roomId)).toBe(false);
    expect(hs.storage.getEvent(peer.forwardExtremities(roomId)[0]!)).toBeUndefined();
    expect(hs.signingKey().publicKey).toBe(key);
    expect(hs.url()).toBe(url);
    // The same server, empty: a new room, joined again by the same peer (whose cached key of ours is still right).
    const again = await hs.rooms.createRoom({ creator: '@alice:hs.test', roomVersion: '11', preset: 'public_chat' });
    await peer.join(again, '@bob:peer.test');
    expect(hs.rooms.membershipOf(again, '@bob:peer.test')).toBe('join');
    expect(hs).toHaveConvergedWith([peer], again);
    // A DAG loaded after the reset finds no trace of the one before.
    const dag = new DagBuilder({ roomVersion: '11', servers: ['a.test'], seed: 'after-reset' });
    dag.create('@alice:a.test').message('hi');
    expect((await hs.load(dag)).counts).toEqual({ accepted: dag.events().length });
  } finally {
    await peer.stop();
  }
});
