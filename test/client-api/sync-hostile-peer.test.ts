// What a lying or misbehaving federation peer sends must not reach clients through /sync: events
// rejected by the auth rules and soft-failed events are stored but never shown (initial or incremental),
// and a peer answering an alias query with something that is not a room is a 404, not a room.
import { issueAccessToken } from '../../src/client-api/access-token-auth';
import { createAccount } from '../../src/client-api/account-creation';
import { ALICE, createRoom, DAGMAR, stored, useEndpointFixture } from '../federation-endpoints/support/fixture';
import { enc, MatrixClient } from './support/matrix-client';

const PAT = '@pat:peer.test';
const MALLORY = '@mallory:peer.test';
const fx = useEndpointFixture(['peer.test']);

async function aliceClient(): Promise<MatrixClient> {
  await createAccount(fx.hs.storage, ALICE, 'pw', false, Date.now());
  const client = MatrixClient.of(fx.hs);
  client.token = issueAccessToken(fx.hs.storage, DAGMAR, ALICE, undefined, Date.now()).access_token;
  client.userId = ALICE;
  return client;
}

interface SyncBody {
  rooms: { join: Record<string, { timeline: { events: Array<{ event_id: string }> } }> };
}
const timelineIds = (body: SyncBody, roomId: string): string[] => (body.rooms.join[roomId]?.timeline.events ?? []).map((e) => e.event_id);

describe.each(['10', '12'])('room version %s', (version) => {
  test('rejected and soft-failed events from a peer never appear in /sync; the honest one does', async () => {
    const alice = await aliceClient();
    const roomId = await createRoom(fx.hs, version);
    const { room, join } = await fx.peer.join(DAGMAR, roomId, PAT);
    const start = await alice.ok('GET', '/_matrix/client/v3/sync');

    // Rejected: mallory is no member.
    const rejected = room.message(MALLORY, 'let me in', [join]);
    // Soft-failed: allowed by the state at its prev_events, not by the current state (alice raised the bar).
    const oldState = new Map(room.state);
    const pl = stored(fx.hs, fx.hs.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!);
    await fx.hs.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { ...pl.content, events_default: 50 } });
    const softFailed = room.build({ type: 'm.room.message', sender: PAT, content: { body: 'too late' }, prevEvents: [join], authState: oldState });
    await fx.peer.send(DAGMAR, [rejected, softFailed]);
    expect(fx.hs.storage.getEvent(rejected.eventId)?.rejectedReason).toEqual(expect.any(String));
    expect(fx.hs.storage.getEvent(softFailed.eventId)?.softFailed).toBe(true);
    // Alice lowers the bar again; an honest message from pat is allowed by both states.
    await fx.hs.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { ...pl.content, events_default: 0 } });
    const honest = room.message(PAT, 'hello', [join]);
    const sent = await fx.peer.send(DAGMAR, [honest]);
    expect(sent.body.pdus[honest.eventId]).toEqual({});

    const incremental = await alice.ok('GET', `/_matrix/client/v3/sync?since=${start.next_batch}`);
    const initial = await alice.ok('GET', `/_matrix/client/v3/sync?filter=${enc(JSON.stringify({ room: { timeline: { limit: 50 } } }))}`);
    for (const body of [incremental, initial]) {
      const ids = timelineIds(body, roomId);
      expect(ids).toContain(honest.eventId);
      expect(ids).not.toContain(rejected.eventId);
      expect(ids).not.toContain(softFailed.eventId);
      const stateIds = body.rooms.join[roomId].state.events.map((e: { event_id: string }) => e.event_id);
      expect(stateIds).not.toContain(rejected.eventId);
    }
  });
});

test('an alias answer from a lying peer that names no room is 404 M_NOT_FOUND; an honest one resolves', async () => {
  const alice = await aliceClient();
  let answer: unknown = { room_id: 'not a room', servers: ['peer.test'] };
  fx.peer.overrides.get('/_matrix/federation/v1/query/directory', (ctx) => {
    ctx.body = answer;
  });
  const lookup = () => alice.request('GET', `/_matrix/client/v3/directory/room/${enc('#lobby:peer.test')}`);
  const lie = await lookup();
  expect(lie.status).toBe(404);
  expect(lie.body.errcode).toBe('M_NOT_FOUND');
  answer = { room_id: '!room:peer.test', servers: 'peer.test' }; // servers must be a list
  expect((await lookup()).status).toBe(404);
  answer = { room_id: '!room:peer.test', servers: ['peer.test'] };
  expect(await alice.ok('GET', `/_matrix/client/v3/directory/room/${enc('#lobby:peer.test')}`)).toEqual({ room_id: '!room:peer.test', servers: ['peer.test'] });
});
