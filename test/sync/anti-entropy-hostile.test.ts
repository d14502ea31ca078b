// Anti-entropy against a peer that lies on purpose over real HTTP: extremities that lead into another
// room, an /event answer that is another event than the one asked for, and an oversized answer. Nothing
// of it is taken, and the work it causes stays bounded.
import { eventually } from '../../src/testing';
import { createRoom, DAGMAR, useFixtureStarter } from '../federation-endpoints/support/fixture';

const PAT = '@pat:peer.test';
const start = useFixtureStarter();
const EXTREMITIES = '/_matrix/federation/v1/extremities/:roomId';

async function setup() {
  const fx = await start(['peer.test'], { antiEntropyIntervalSeconds: 0.05 });
  const peer = fx.peers[0]!;
  const roomId = await createRoom(fx.hs, '10');
  const { room, join } = await peer.join(DAGMAR, roomId, PAT);
  await eventually(() => fx.hs.rooms.joinedServers(roomId).includes('peer.test'), 'pat joined');
  const tips = () => fx.hs.storage.getForwardExtremities(roomId).map((e) => e.eventId);
  return { fx, peer, roomId, room, join, tips, before: tips() };
}

const pollsAfter = async (fx: Awaited<ReturnType<typeof setup>>['fx'], n: number) => {
  const from = fx.hs.metrics.antiEntropyPolls.value();
  await eventually(() => fx.hs.metrics.antiEntropyPolls.value() >= from + n, `${n} more polls`, 10_000);
};

test('extremities that lead into another room: nothing of that room is taken', async () => {
  const { fx, peer, roomId, tips, before } = await setup();
  const other = peer.createOwnRoom(PAT, '10');
  peer.overrides.get(EXTREMITIES, (ctx) => {
    ctx.body = { prev_events: [other.tip.eventId] };
  });
  await pollsAfter(fx, 3);
  expect(fx.hs.storage.getEvent(other.tip.eventId)).toBeUndefined();
  expect(fx.hs.storage.hasRoom(other.room.roomId)).toBe(false);
  expect(tips()).toEqual(before);
  expect(fx.hs.metrics.antiEntropyHealed.value()).toBe(0);
  expect(fx.hs.storage.verifyRoom(roomId).problems).toEqual([]);
});

test('an /event answer that is another event than the one asked for is not taken', async () => {
  const { fx, peer, room, join, tips, before } = await setup();
  const unsent = room.message(PAT, 'never sent, served under a false ID', [join]);
  const forged = '$forgedforgedforgedforgedforgedforgedforged00';
  peer.overrides.get(EXTREMITIES, (ctx) => {
    ctx.body = { prev_events: [forged] };
  });
  peer.overrides.get('/_matrix/federation/v1/event/:eventId', (ctx, next) => {
    if (ctx.params.eventId !== forged) return next();
    ctx.body = { origin: 'peer.test', origin_server_ts: Date.now(), pdus: [unsent.pdu] };
  });
  await pollsAfter(fx, 3);
  expect(fx.hs.storage.getEvent(unsent.eventId)).toBeUndefined();
  expect(tips()).toEqual(before);
});

test('an answer with 500 extremities is followed no further than 20', async () => {
  const { fx, peer, tips, before } = await setup();
  const many = Array.from({ length: 500 }, (_, i) => `$unknown${String(i).padStart(40, '0')}`);
  const asked: number[] = [];
  peer.overrides.get(EXTREMITIES, (ctx) => {
    ctx.body = { prev_events: many };
  });
  peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
    const body = ctx.request.body as { latest_events?: unknown[] };
    asked.push(body.latest_events?.length ?? 0);
    ctx.body = { events: [] };
  });
  await pollsAfter(fx, 3);
  expect(asked.length).toBeGreaterThan(0);
  expect(Math.max(...asked)).toBeLessThanOrEqual(20);
  expect(tips()).toEqual(before);
});
