// MSC4370 calling side: stable path first, the unstable prefix only when the stable one is unrecognised
// (never on 404 M_NOT_FOUND or 403), the working path remembered per destination; v1/v2 pairs accepted.
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { startTestServer, TestClock, TestServer } from '../federation/support/test-servers';
import { CannedAnswer, CannedPeer, startCannedPeer } from './support/canned-peer';
import { buildCannedRoom } from './support/canned-room';

const hostMap = new HostMapResolver({});
let caller: TestServer;
const peers: CannedPeer[] = [];

beforeAll(async () => {
  caller = await startTestServer('caller.test', hostMap, new TestClock());
});
afterAll(async () => {
  await Promise.all([caller.close(), ...peers.map((p) => p.close())]);
});

const ROOM = '!room:peer.test';
const STABLE = `GET /_matrix/federation/v1/extremities/${encodeURIComponent(ROOM)}`;
const UNSTABLE = `GET /_matrix/federation/unstable/org.matrix.msc4370/extremities/${encodeURIComponent(ROOM)}`;
const OK: CannedAnswer = { body: { prev_events: ['$b', '$a'] } };

let peerCount = 0;
/** A fresh peer (so the client has no memory of it) serving the given extremities routes. */
async function peerWith(endpoints: ('extremities' | 'extremities_unstable')[], answers: { stable?: CannedAnswer; unstable?: CannedAnswer } = {}): Promise<CannedPeer> {
  const peer = await startCannedPeer(`peer${++peerCount}.test`, hostMap, {
    endpoints,
    answers: { extremities: answers.stable ?? OK, extremities_unstable: answers.unstable ?? OK },
  });
  peers.push(peer);
  return peer;
}

async function failure(promise: Promise<unknown>): Promise<FederationRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FederationRequestError);
  return error as FederationRequestError;
}

test('a server with the stable path: asked there only, and remembered', async () => {
  const peer = await peerWith(['extremities', 'extremities_unstable']);
  const api = new FederationApi(caller.client);
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(peer.seen).toEqual([STABLE, STABLE]);
  expect(peer.received.map((r) => r.origin)).toEqual(['caller.test', 'caller.test']);
  expect(api.extremitiesPathFor(peer.name)).toBe('stable');
});

test('a server with only the unstable path: the real 404 M_UNRECOGNIZED leads there, and later calls go straight to it', async () => {
  const peer = await peerWith(['extremities_unstable']);
  const api = new FederationApi(caller.client);
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(peer.seen).toEqual([STABLE, UNSTABLE]);
  expect(api.extremitiesPathFor(peer.name)).toBe('unstable');
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(peer.seen).toEqual([STABLE, UNSTABLE, UNSTABLE, UNSTABLE]);
});

test.each<[string, CannedAnswer]>([
  ['405 M_UNRECOGNIZED', { status: 405, body: { errcode: 'M_UNRECOGNIZED', error: 'method' } }],
  ['400 M_UNRECOGNIZED (older servers)', { status: 400, body: { errcode: 'M_UNRECOGNIZED', error: 'unknown' } }],
  ['a bare 404 with no Matrix error (a proxy in front)', { status: 404, body: 'Not Found' }],
])('the stable path answering %s falls back to unstable', async (_name, stable) => {
  const peer = await peerWith(['extremities', 'extremities_unstable'], { stable });
  const api = new FederationApi(caller.client);
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(peer.seen).toEqual([STABLE, UNSTABLE]);
  expect(api.extremitiesPathFor(peer.name)).toBe('unstable');
});

test.each<[string, CannedAnswer, number, string]>([
  ['404 M_NOT_FOUND (unknown room)', { status: 404, body: { errcode: 'M_NOT_FOUND', error: 'unknown room' } }, 404, 'M_NOT_FOUND'],
  ['403 M_FORBIDDEN (not in the room)', { status: 403, body: { errcode: 'M_FORBIDDEN', error: 'no' } }, 403, 'M_FORBIDDEN'],
  ['400 M_BAD_JSON', { status: 400, body: { errcode: 'M_BAD_JSON', error: 'bad' } }, 400, 'M_BAD_JSON'],
  ['429 M_LIMIT_EXCEEDED', { status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'slow down', retry_after_ms: 10 } }, 429, 'M_LIMIT_EXCEEDED'],
])('the stable path answering %s is the answer: no fallback, nothing remembered', async (_name, stable, status, errcode) => {
  const peer = await peerWith(['extremities', 'extremities_unstable'], { stable });
  const api = new FederationApi(caller.client);
  const error = await failure(api.getExtremities(peer.name, ROOM));
  expect(error).toMatchObject({ kind: 'http', status, errcode });
  expect(peer.seen).toEqual([STABLE]);
  expect(api.extremitiesPathFor(peer.name)).toBeUndefined();
});

test('a server with neither path: the unrecognised error, and no memory of a path', async () => {
  const peer = await peerWith([]);
  const api = new FederationApi(caller.client);
  const error = await failure(api.getExtremities(peer.name, ROOM));
  expect(error).toMatchObject({ kind: 'http', status: 404, errcode: 'M_UNRECOGNIZED' });
  expect(error.path).toBe(UNSTABLE.slice('GET '.length));
  expect(api.extremitiesPathFor(peer.name)).toBeUndefined();
  await failure(api.getExtremities(peer.name, ROOM));
  expect(peer.seen).toEqual([STABLE, UNSTABLE, STABLE, UNSTABLE]);
});

test('a server that later drops the unstable path moves the caller back to stable', async () => {
  const unrecognized: CannedAnswer = { status: 404, body: { errcode: 'M_UNRECOGNIZED', error: 'no such endpoint' } };
  const peer = await peerWith(['extremities', 'extremities_unstable'], { stable: unrecognized });
  const api = new FederationApi(caller.client);
  await api.getExtremities(peer.name, ROOM);
  expect(api.extremitiesPathFor(peer.name)).toBe('unstable');
  // The upgrade: stable now served, unstable gone.
  peer.answer('extremities', OK);
  peer.answer('extremities_unstable', unrecognized);
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(api.extremitiesPathFor(peer.name)).toBe('stable');
  expect(await api.getExtremities(peer.name, ROOM)).toEqual(['$b', '$a']);
  expect(peer.seen).toEqual([STABLE, UNSTABLE, UNSTABLE, STABLE, STABLE]);
});

test('the memory is per destination', async () => {
  const modern = await peerWith(['extremities']);
  const older = await peerWith(['extremities_unstable']);
  const api = new FederationApi(caller.client);
  await api.getExtremities(older.name, ROOM);
  await api.getExtremities(modern.name, ROOM);
  await api.getExtremities(older.name, ROOM);
  expect(api.extremitiesPathFor(modern.name)).toBe('stable');
  expect(api.extremitiesPathFor(older.name)).toBe('unstable');
  expect(modern.seen).toEqual([STABLE]);
  expect(older.seen).toEqual([STABLE, UNSTABLE, UNSTABLE]);
});

describe.each(['1', '2', '10'])('room version %s answers', (roomVersion) => {
  const room = buildCannedRoom(roomVersion);
  const pair = (event: typeof room.message) => [event.eventId, { sha256: 'aGFzaA' }];

  test('bare event IDs come back as they are, in order', async () => {
    const peer = await peerWith(['extremities'], { stable: { body: { prev_events: [room.message.eventId, room.power.eventId] } } });
    expect(await new FederationApi(caller.client).getExtremities(peer.name, room.roomId)).toEqual([room.message.eventId, room.power.eventId]);
    expect(peer.received[0]!.params.roomId).toBe(room.roomId);
  });

  test('[event ID, hashes] pairs, as v1/v2 prev_events carry them, are accepted and reduced to IDs', async () => {
    const peer = await peerWith(['extremities'], { stable: { body: { prev_events: [pair(room.message), room.power.eventId] } } });
    expect(await new FederationApi(caller.client).getExtremities(peer.name, room.roomId)).toEqual([room.message.eventId, room.power.eventId]);
  });
});
