// Anti-entropy's other cases: a server behind us that does not poll is pushed our newer events; a quiet
// room costs one /extremities request per peer per interval and nothing else; a server that serves
// neither extremities path is asked once per path and then skipped; hs.stop() ends the timers.
import { Homeserver } from '../../src/homeserver';
import { LinkPolicy, LinkState } from '../../src/federation/client/link-policy';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';
import { createRoom, DAGMAR, useFixtureStarter } from '../federation-endpoints/support/fixture';

const INTERVAL_S = 0.2;
let fed: TestFederation | undefined;
afterEach(async () => {
  await fed?.stop();
  fed = undefined;
});

const tips = (hs: Homeserver, roomId: string) => hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();

async function roomOfTwo(f: TestFederation): Promise<string> {
  const [a, b] = f.servers as [Homeserver, Homeserver];
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  await b.rooms.joinRoom(roomId, '@bob:b.test', { via: ['a.test'] });
  await eventually(() => JSON.stringify(tips(a, roomId)) === JSON.stringify(tips(b, roomId)), 'the room on both', 15_000);
  return roomId;
}

test('a server behind us that does not poll (anti-entropy off) is pushed our newer events', async () => {
  fed = await startTestFederation([]);
  const a = await fed.add('a.test', { antiEntropyIntervalSeconds: INTERVAL_S });
  const b = await fed.add('b.test', { antiEntropyIntervalSeconds: 0 });
  const roomId = await roomOfTwo(fed);
  fed.link('a.test', 'b.test', 'drop');
  for (let i = 0; i < 3; i++) await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: `lost ${i}` } });
  await a.sender.idle();
  expect(tips(b, roomId)).not.toEqual(tips(a, roomId));
  fed.heal();
  await eventually(() => JSON.stringify(tips(b, roomId)) === JSON.stringify(tips(a, roomId)), 'b catching up by push', 5_000);
  expect(a.metrics.antiEntropyPushed.value()).toBeGreaterThan(0);
  expect(b.metrics.antiEntropyPolls.value()).toBe(0);
});

/** Counts outbound requests (the client consults its link policy once per request). */
class CountingLinks implements LinkPolicy {
  requests = 0;
  linkTo(): LinkState {
    this.requests++;
    return 'up';
  }
}

test('a quiet room costs one /extremities request per peer per poll, and nothing else', async () => {
  fed = await startTestFederation([]);
  const counting = new CountingLinks();
  const a = await fed.add('a.test', { antiEntropyIntervalSeconds: INTERVAL_S, linkPolicy: counting });
  await fed.add('b.test', { antiEntropyIntervalSeconds: 0 });
  await roomOfTwo(fed);
  await a.sender.idle();
  const requests = counting.requests;
  const polls = a.metrics.antiEntropyPolls.value();
  await eventually(() => a.metrics.antiEntropyPolls.value() >= polls + 5, 'five more polls', 10_000);
  expect(counting.requests - requests).toBe(a.metrics.antiEntropyPolls.value() - polls);
  expect(a.metrics.antiEntropyHealed.value() + a.metrics.antiEntropyPushed.value()).toBe(0);
});

describe('a server without MSC4370', () => {
  const start = useFixtureStarter();
  test('is asked on each path once, then skipped and remembered', async () => {
    const fx = await start(['peer.test'], { antiEntropyIntervalSeconds: 0.05 });
    const peer = fx.peers[0]!;
    const asked: string[] = [];
    const unrecognized = (ctx: { path: string; status: number; body: unknown }) => {
      asked.push(ctx.path);
      ctx.status = 404;
      ctx.body = { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' };
    };
    peer.overrides.get('/_matrix/federation/v1/extremities/:roomId', unrecognized);
    peer.overrides.get('/_matrix/federation/unstable/org.matrix.msc4370/extremities/:roomId', unrecognized);
    const roomId = await createRoom(fx.hs, '10');
    await peer.join(DAGMAR, roomId, '@pat:peer.test');
    await eventually(() => asked.length >= 2, 'a first poll on both paths', 10_000);
    const polls = fx.hs.metrics.antiEntropyPolls.value();
    // Many intervals later: no further request, and no further poll counted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(asked.map((p) => (p.includes('unstable') ? 'unstable' : 'stable'))).toEqual(['stable', 'unstable']);
    expect(fx.hs.metrics.antiEntropyPolls.value()).toBe(polls);
  });
});

test('hs.stop() ends the anti-entropy timer', async () => {
  fed = await startTestFederation(['a.test', 'b.test'], { antiEntropyIntervalSeconds: 0.05 });
  const a = fed.get('a.test');
  await roomOfTwo(fed);
  await eventually(() => a.metrics.antiEntropyPolls.value() > 0, 'a first poll', 10_000);
  await a.stop();
  fed.servers.splice(fed.servers.indexOf(a), 1);
  const polls = a.metrics.antiEntropyPolls.value();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(a.metrics.antiEntropyPolls.value()).toBe(polls);
});

test("a server the room's ACL denies is not polled", async () => {
  fed = await startTestFederation([]);
  const a = await fed.add('a.test', { antiEntropyIntervalSeconds: 0.05 });
  await fed.add('b.test', { antiEntropyIntervalSeconds: 0 });
  const roomId = await roomOfTwo(fed);
  await a.rooms.sendLocalEvent(roomId, { type: 'm.room.server_acl', sender: '@alice:a.test', stateKey: '', content: { allow: ['*'], deny: ['b.test'], allow_ip_literals: true } });
  const polls = a.metrics.antiEntropyPolls.value();
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(a.rooms.joinedServers(roomId)).toContain('b.test');
  expect(a.metrics.antiEntropyPolls.value()).toBe(polls);
});
