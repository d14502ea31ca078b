// MSC4370 GET /extremities/{roomId} (stable and unstable paths) against a joined test peer: the answer is
// our own next prev_events (RoomService.prevEventsFor), never empty, depth desc then event ID, capped
// by maxPrevEvents, bare IDs in every room version, and its 404/403 paths in the MSC's order.
import { JsonObject } from '../../src/protocol/json';
import { referencedIds } from '../../src/protocol/pdu';
import { RoomEvent } from '../../src/protocol/room-event';
import { ALICE, aliceSays, createRoom, DAGMAR, denyServer, enc, Fixture, stored, useFixtureStarter } from './support/fixture';
import { PeerRoom, TestPeer } from './support/test-peer';

const PAT = '@pat:peer.test';
const MALLORY = '@mallory:peer.test';
const STABLE = (roomId: string) => `/_matrix/federation/v1/extremities/${enc(roomId)}`;
const UNSTABLE = (roomId: string) => `/_matrix/federation/unstable/org.matrix.msc4370/extremities/${enc(roomId)}`;
const PATHS: Array<[string, (roomId: string) => string]> = [
  ['stable', STABLE],
  ['unstable', UNSTABLE],
];

type Extremities = { prev_events: unknown[] };

// Each describe starts its own fixture (some with their own options); every one is stopped after its test.
const startFixture = useFixtureStarter();
let fx: Fixture;
let peer: TestPeer;
let outsider: TestPeer;

/** Depth descending, then event ID ascending (DESIGN.md §3). */
function ordered(events: readonly RoomEvent[]): string[] {
  return [...events].sort((a, b) => b.depth - a.depth || (a.eventId < b.eventId ? -1 : 1)).map((e) => e.eventId);
}

describe.each(['1', '2', '10', '12'])('room version %s', (version) => {
  let roomId: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    fx = await startFixture(['peer.test', 'outsider.test']);
    [peer, outsider] = fx.peers as [TestPeer, TestPeer];
    roomId = await createRoom(fx.hs, version);
    ({ room, join } = await peer.join(DAGMAR, roomId, PAT));
  });

  test.each(PATHS)('%s path: after the join, the join is the one extremity, as a bare event ID', async (_name, path) => {
    const answer = await peer.call<Extremities>(DAGMAR, 'GET', path(roomId));
    // MSC4370: bare event IDs even in rooms v1/v2, whose own prev_events carry [id, hashes] pairs.
    expect(answer).toEqual({ status: 200, body: { prev_events: [join.eventId] } });
  });

  test('forks and out-of-order children: deepest first, then by event ID, exactly what our next event uses', async () => {
    // join ─ a1 ─ a2 ─ a3      (a3, a2, a1 sent child first, in one transaction)
    //     ├ b1 ─ b2
    //     ├ c1
    //     └ d1
    const a1 = room.message(PAT, 'a1', [join]);
    const a2 = room.message(PAT, 'a2', [a1]);
    const a3 = room.message(PAT, 'a3', [a2]);
    const b1 = room.message(PAT, 'b1', [join]);
    const b2 = room.message(PAT, 'b2', [b1]);
    const c1 = room.message(PAT, 'c1', [join]);
    const d1 = room.message(PAT, 'd1', [join]);
    const sent = await peer.send(DAGMAR, [a3, a2, d1, b2, a1, c1, b1]);
    expect(Object.values(sent.body.pdus)).toEqual(Array(7).fill({}));

    const expected = ordered([a3, b2, c1, d1]);
    expect(expected.slice(0, 2)).toEqual([a3.eventId, b2.eventId]);
    for (const [, path] of PATHS) {
      expect((await peer.call<Extremities>(DAGMAR, 'GET', path(roomId))).body.prev_events).toEqual(expected);
    }
    expect(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual(expected);
    // Our own next event copies the same selection, in the same order.
    const merge = await aliceSays(fx.hs, roomId, 'merge');
    expect(referencedIds(stored(fx.hs, merge.eventId).pdu.prev_events)).toEqual(expected);
    expect((await peer.call<Extremities>(DAGMAR, 'GET', STABLE(roomId))).body.prev_events).toEqual([merge.eventId]);
  });

  test('rejected and soft-failed events never show up; their parents stay', async () => {
    const fine = room.message(PAT, 'fine', [join]);
    const rejected = room.message(MALLORY, 'not a member', [fine]);
    const sent = await peer.send(DAGMAR, [fine, rejected]);
    expect(sent.body.pdus[rejected.eventId]?.error).toEqual(expect.any(String));

    // Alice bans messages below PL 50; the peer writes on the state before it → soft-failed.
    const snapshot = new Map(room.state);
    const pl = stored(fx.hs, fx.hs.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!);
    const raised = await fx.hs.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { ...pl.content, events_default: 50 } });
    const late = room.build({ type: 'm.room.message', sender: PAT, content: { body: 'late' }, prevEvents: [fine], authState: snapshot });
    await peer.send(DAGMAR, [late]);
    expect(fx.hs.storage.getEvent(late.eventId)?.softFailed).toBe(true);

    const answer = await peer.call<Extremities>(DAGMAR, 'GET', UNSTABLE(roomId));
    expect(answer.body.prev_events).toEqual([raised.eventId]);
    expect(answer.body.prev_events).not.toContain(late.eventId);
    expect(answer.body.prev_events).not.toContain(rejected.eventId);
  });

  test.each(PATHS)('%s path: 404 M_NOT_FOUND for an unknown room', async (_name, path) => {
    const answer = await peer.call(DAGMAR, 'GET', path(version === '12' ? '!unknownroomhash' : '!unknown:dagmar.test'));
    expect(answer.status).toBe(404);
    expect(answer.body.errcode).toBe('M_NOT_FOUND');
  });

  test.each(PATHS)('%s path: 403 M_FORBIDDEN for a server with no joined member, also after it left', async (_name, path) => {
    const never = await outsider.call(DAGMAR, 'GET', path(roomId));
    expect(never.status).toBe(403);
    expect(never.body.errcode).toBe('M_FORBIDDEN');

    const made = await peer.call(DAGMAR, 'GET', `/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(PAT)}`);
    const leave = peer.signTemplate(made.body.event as JsonObject, version);
    expect((await peer.call(DAGMAR, 'PUT', `/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(leave.eventId)}`, { body: leave.pdu as unknown as JsonObject })).status).toBe(200);
    const left = await peer.call(DAGMAR, 'GET', path(roomId));
    expect(left.status).toBe(403);
    expect(left.body.errcode).toBe('M_FORBIDDEN');
  });
});

describe('access order and the server ACL (room version 10)', () => {
  let roomId: string;

  beforeEach(async () => {
    fx = await startFixture(['peer.test', 'outsider.test']);
    [peer, outsider] = fx.peers as [TestPeer, TestPeer];
    roomId = await createRoom(fx.hs, '10');
    await peer.join(DAGMAR, roomId, PAT);
  });

  test.each(PATHS)('%s path: a joined server the ACL denies gets 403 M_FORBIDDEN', async (_name, path) => {
    await denyServer(fx.hs, roomId, 'peer.test');
    // The peer's member event is still `join` in the current state: only the ACL stands in the way.
    expect(fx.hs.rooms.membershipOf(roomId, PAT)).toBe('join');
    const answer = await peer.call(DAGMAR, 'GET', path(roomId));
    expect(answer.status).toBe(403);
    expect(answer.body.errcode).toBe('M_FORBIDDEN');
    expect(String(answer.body.error)).toMatch(/server ACL/);
  });

  test('the host-in-room check comes before the ACL, so an outsider learns nothing about the ACL', async () => {
    await denyServer(fx.hs, roomId, 'outsider.test');
    const answer = await outsider.call(DAGMAR, 'GET', STABLE(roomId));
    expect(answer.status).toBe(403);
    expect(answer.body.errcode).toBe('M_FORBIDDEN');
    expect(String(answer.body.error)).toMatch(/no joined member/);
    expect(String(answer.body.error)).not.toMatch(/ACL/);
  });

  test('a request without X-Matrix authentication is 401 M_UNAUTHORIZED', async () => {
    const answer = await peer.raw(fx.hs, 'GET', STABLE(roomId), {});
    expect(answer.status).toBe(401);
    expect(answer.json.errcode).toBe('M_UNAUTHORIZED');
  });
});

describe('the cap', () => {
  /** `n` siblings on the peer's join, each its own extremity. */
  async function fork(n: number, options: Parameters<typeof startFixture>[1] = {}): Promise<{ roomId: string; forks: RoomEvent[] }> {
    fx = await startFixture(['peer.test'], options);
    peer = fx.peers[0]!;
    const roomId = await createRoom(fx.hs, '10');
    const { room, join } = await peer.join(DAGMAR, roomId, PAT);
    const forks = Array.from({ length: n }, (_, i) => room.message(PAT, `fork ${i}`, [join]));
    // A deeper one too, so the cut is by depth first and ID second.
    const deep = room.message(PAT, 'deep', [forks[0]!]);
    await peer.send(DAGMAR, [...forks, deep]);
    return { roomId, forks: [deep, ...forks.slice(1)] };
  }

  test('default maxPrevEvents is 10: 12 extremities → the first 10 of the full order', async () => {
    const { roomId, forks } = await fork(12);
    expect(fx.hs.storage.getForwardExtremities(roomId)).toHaveLength(12);
    const answer = await peer.call<Extremities>(DAGMAR, 'GET', STABLE(roomId));
    expect(answer.body.prev_events).toEqual(ordered(forks).slice(0, 10));
    const next = await aliceSays(fx.hs, roomId, 'next');
    expect(next.prevEventIds).toEqual(answer.body.prev_events);
  });

  test('a configured maxPrevEvents of 3 caps the answer and our next event alike', async () => {
    const { roomId, forks } = await fork(5, { maxPrevEvents: 3 });
    const answer = await peer.call<Extremities>(DAGMAR, 'GET', UNSTABLE(roomId));
    expect(answer.body.prev_events).toEqual(ordered(forks).slice(0, 3));
    expect(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId)).toEqual(answer.body.prev_events);
    const next = await aliceSays(fx.hs, roomId, 'next');
    expect(next.prevEventIds).toEqual(answer.body.prev_events);
    // The two left out are still extremities, and the next answer holds them.
    const after = await peer.call<Extremities>(DAGMAR, 'GET', STABLE(roomId));
    expect(after.body.prev_events).toEqual([next.eventId, ...ordered(forks).slice(3)]);
  });
});

describe('rate limiting', () => {
  test('past the sleep limit requests wait; past the reject limit of waiting ones: 429 M_LIMIT_EXCEEDED with retry_after_ms', async () => {
    // A long window, so the join's own requests already use up the two undelayed ones.
    fx = await startFixture(['peer.test'], { rateLimit: { windowMs: 60_000, sleepLimit: 2, sleepDelayMs: 1000, rejectLimit: 3 } });
    peer = fx.peers[0]!;
    const roomId = await createRoom(fx.hs, '10');
    await peer.join(DAGMAR, roomId, PAT);
    const answers = await Promise.all(Array.from({ length: 10 }, () => peer.call<Extremities & JsonObject>(DAGMAR, 'GET', STABLE(roomId))));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    // Three wait their turn and are answered; the others find three waiting and are refused.
    expect(ok).toHaveLength(3);
    for (const a of ok) expect(a.body.prev_events).toEqual(fx.hs.rooms.prevEventsFor(roomId).map((e) => e.eventId));
    expect(limited).toHaveLength(7);
    for (const a of limited) expect(a.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1000 });
  });
});
