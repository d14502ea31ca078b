// The typed federation calls against a real app on loopback: method, path (percent-encoded), query and
// body as the spec lays them out, signed and verified with X-Matrix, and answers parsed.
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseServerKeysResponse } from '../../src/crypto/key-ring';
import { verifyJson } from '../../src/crypto/sign-json';
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationClient } from '../../src/federation/client/federation-client';
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { federationTransport } from '../../src/federation/sender/federation-transport';
import { TransactionTransport } from '../../src/federation/sender/transaction-sender';
import { JsonObject } from '../../src/protocol/json';
import { RoomEvent } from '../../src/protocol/room-event';
import { newSigningKey, startTestServer, TestClock, TestServer } from '../federation/support/test-servers';
import { CannedPeer, EndpointName, ReceivedRequest, startCannedPeer } from './support/canned-peer';
import { buildCannedRoom } from './support/canned-room';

const clock = new TestClock();
const hostMap = new HostMapResolver({});
let caller: TestServer;
let peer: CannedPeer;
let api: FederationApi;

beforeAll(async () => {
  caller = await startTestServer('caller.test', hostMap, clock);
  peer = await startCannedPeer('peer.test', hostMap);
  api = new FederationApi(caller.client);
});
afterAll(async () => {
  await Promise.all([caller.close(), peer.close()]);
});

const pdu = (event: RoomEvent): JsonObject => event.pdu as unknown as JsonObject;
const enc = encodeURIComponent;

/** The one request `endpoint` received since `before` requests in all; it must have been signed by the caller. */
function onlyRequest(endpoint: EndpointName, before: number): ReceivedRequest {
  const since = peer.received.slice(before);
  expect(since.map((r) => r.endpoint)).toEqual([endpoint]);
  expect(since[0]!.origin).toBe('caller.test');
  return since[0]!;
}

describe.each(['1', '3', '10', '12'])('room version %s', (roomVersion) => {
  const room = buildCannedRoom(roomVersion);
  const { roomId, alice, create, join, power, message } = room;
  const transaction = (pdus: JsonObject[]) => ({ origin: 'peer.test', origin_server_ts: 1_700_000_001_000, pdus });

  test('sendTransaction: PUT /v1/send/{txnId} with the transaction; per-PDU results come back', async () => {
    const before = peer.received.length;
    peer.answer('send', { body: { pdus: { [message.eventId]: {}, [power.eventId]: { error: 'not allowed' } } } });
    const txnId = `txn/${roomVersion} ?#`;
    const result = await api.sendTransaction('peer.test', txnId, { origin: 'caller.test', origin_server_ts: 1234, pdus: [message.pdu, power.pdu] });
    expect(result).toEqual({ pdus: { [message.eventId]: {}, [power.eventId]: { error: 'not allowed' } } });
    const request = onlyRequest('send', before);
    expect(request.method).toBe('PUT');
    expect(request.url).toBe(`/_matrix/federation/v1/send/${enc(txnId)}`);
    expect(request.params.txnId).toBe(txnId);
    expect(request.body).toEqual({ origin: 'caller.test', origin_server_ts: 1234, pdus: [pdu(message), pdu(power)], edus: [] });
  });

  test('getEvent: GET /v1/event/{eventId} → the transaction with its one PDU', async () => {
    const before = peer.received.length;
    peer.answer('event', { body: transaction([pdu(message)]) });
    const answer = await api.getEvent('peer.test', message.eventId);
    expect(answer).toEqual(transaction([pdu(message)]));
    const request = onlyRequest('event', before);
    expect(request.url).toBe(`/_matrix/federation/v1/event/${enc(message.eventId)}`);
    expect(request.params.eventId).toBe(message.eventId);
    expect(request.body).toBeUndefined();
  });

  test('getState and getStateIds: GET with event_id in the query', async () => {
    const before = peer.received.length;
    peer.answer('state', { body: { pdus: [pdu(create), pdu(join), pdu(power)], auth_chain: [pdu(create), pdu(join)] } });
    peer.answer('state_ids', { body: { pdu_ids: [create.eventId, join.eventId, power.eventId], auth_chain_ids: [create.eventId, join.eventId] } });
    const state = await api.getState('peer.test', roomId, message.eventId);
    const ids = await api.getStateIds('peer.test', roomId, message.eventId);
    expect(state).toEqual({ pdus: [pdu(create), pdu(join), pdu(power)], auth_chain: [pdu(create), pdu(join)] });
    expect(ids).toEqual({ pdu_ids: [create.eventId, join.eventId, power.eventId], auth_chain_ids: [create.eventId, join.eventId] });
    const [stateRequest, idsRequest] = peer.received.slice(before);
    expect(stateRequest!.url).toBe(`/_matrix/federation/v1/state/${enc(roomId)}?event_id=${enc(message.eventId)}`);
    expect(idsRequest!.url).toBe(`/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(message.eventId)}`);
    for (const r of [stateRequest!, idsRequest!]) {
      expect(r.origin).toBe('caller.test');
      expect(r.params.roomId).toBe(roomId);
      expect(r.query.event_id).toBe(message.eventId);
    }
  });

  test('backfill: GET /v1/backfill/{roomId} with v repeated and limit', async () => {
    const before = peer.received.length;
    peer.answer('backfill', { body: transaction([pdu(power), pdu(join)]) });
    const answer = await api.backfill('peer.test', roomId, [message.eventId, power.eventId], 7);
    expect(answer).toEqual(transaction([pdu(power), pdu(join)]));
    const request = onlyRequest('backfill', before);
    expect(request.query).toEqual({ v: [message.eventId, power.eventId], limit: '7' });
    expect(request.url).toBe(`/_matrix/federation/v1/backfill/${enc(roomId)}?v=${enc(message.eventId)}&v=${enc(power.eventId)}&limit=7`);
  });

  test('getMissingEvents: POST /v1/get_missing_events/{roomId} with the four fields', async () => {
    const before = peer.received.length;
    peer.answer('get_missing_events', { body: { events: [pdu(power)] } });
    const request = { earliest_events: [join.eventId], latest_events: [message.eventId], limit: 5, min_depth: 2 };
    expect(await api.getMissingEvents('peer.test', roomId, request)).toEqual({ events: [pdu(power)] });
    const received = onlyRequest('get_missing_events', before);
    expect(received.method).toBe('POST');
    expect(received.params.roomId).toBe(roomId);
    expect(received.body).toEqual(request);
  });

  test('getEventAuth: GET /v1/event_auth/{roomId}/{eventId}', async () => {
    const before = peer.received.length;
    peer.answer('event_auth', { body: { auth_chain: [pdu(create), pdu(join), pdu(power)] } });
    expect(await api.getEventAuth('peer.test', roomId, message.eventId)).toEqual({ auth_chain: [pdu(create), pdu(join), pdu(power)] });
    const request = onlyRequest('event_auth', before);
    expect(request.url).toBe(`/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(message.eventId)}`);
    expect(request.params).toEqual({ roomId, eventId: message.eventId });
  });

  test('makeJoin and sendJoin: ver repeated; the v2 answer parsed, omit_members when asked', async () => {
    const bob = '@bob:caller.test';
    const template = { type: 'm.room.member', room_id: roomId, sender: bob, state_key: bob, content: { membership: 'join' }, prev_events: [message.eventId], auth_events: [create.eventId, power.eventId], depth: 5, origin_server_ts: 1 };
    peer.answer('make_join', { body: { event: template, room_version: roomVersion } });
    const before = peer.received.length;
    expect(await api.makeJoin('peer.test', roomId, bob, ['1', '10', roomVersion])).toEqual({ event: template, room_version: roomVersion });
    const makeRequest = onlyRequest('make_join', before);
    expect(makeRequest.url).toBe(`/_matrix/federation/v1/make_join/${enc(roomId)}/${enc(bob)}?ver=1&ver=10&ver=${roomVersion}`);
    expect(makeRequest.params).toEqual({ roomId, userId: bob });

    // The join is the canned room's own join event, standing in for one the caller signed.
    const sendAnswer = { origin: 'peer.test', event: pdu(join), state: [pdu(create), pdu(power)], auth_chain: [pdu(create)], members_omitted: true, servers_in_room: ['peer.test'] };
    peer.answer('send_join', { body: sendAnswer });
    const beforeSend = peer.received.length;
    expect(await api.sendJoin('peer.test', roomId, join.eventId, join.pdu, { omitMembers: true })).toEqual(sendAnswer);
    const sendRequest = onlyRequest('send_join', beforeSend);
    expect(sendRequest.method).toBe('PUT');
    expect(sendRequest.url).toBe(`/_matrix/federation/v2/send_join/${enc(roomId)}/${enc(join.eventId)}?omit_members=true`);
    expect(sendRequest.body).toEqual(pdu(join));

    // Without the option no query is sent, and a minimal (older) answer is enough.
    peer.answer('send_join', { body: { origin: 'peer.test', state: [], auth_chain: [] } });
    await expect(api.sendJoin('peer.test', roomId, join.eventId, join.pdu)).resolves.toEqual({ origin: 'peer.test', state: [], auth_chain: [] });
    expect(peer.received.at(-1)!.query).toEqual({});
  });

  test('makeLeave and sendLeave: GET v1 template, PUT v2 with the signed event', async () => {
    const template = { type: 'm.room.member', room_id: roomId, sender: alice, state_key: alice, content: { membership: 'leave' } };
    peer.answer('make_leave', { body: { event: template, room_version: roomVersion } });
    peer.answer('send_leave', { body: {} });
    const before = peer.received.length;
    expect(await api.makeLeave('peer.test', roomId, alice)).toEqual({ event: template, room_version: roomVersion });
    await expect(api.sendLeave('peer.test', roomId, join.eventId, join.pdu)).resolves.toBeUndefined();
    const [make, send] = peer.received.slice(before);
    expect(make!.url).toBe(`/_matrix/federation/v1/make_leave/${enc(roomId)}/${enc(alice)}`);
    expect(make!.query).toEqual({});
    expect(send!.url).toBe(`/_matrix/federation/v2/send_leave/${enc(roomId)}/${enc(join.eventId)}`);
    expect(send!.body).toEqual(pdu(join));
    expect([make!.origin, send!.origin]).toEqual(['caller.test', 'caller.test']);
  });

  test('invite: PUT /v2/invite with event, room_version and invite_room_state; the co-signed event back', async () => {
    const strippedState = [{ type: 'm.room.name', state_key: '', sender: alice, content: { name: 'Canned' } }];
    const cosigned = { ...pdu(join), signatures: { ...(join.pdu.signatures as JsonObject), 'peer.test': { 'ed25519:x': 'c2ln' } } };
    peer.answer('invite', { body: { event: cosigned } });
    const before = peer.received.length;
    const answer = await api.invite('peer.test', roomId, join.eventId, { event: join.pdu, room_version: roomVersion, invite_room_state: strippedState });
    expect(answer).toEqual({ event: cosigned });
    const request = onlyRequest('invite', before);
    expect(request.url).toBe(`/_matrix/federation/v2/invite/${enc(roomId)}/${enc(join.eventId)}`);
    expect(request.body).toEqual({ event: pdu(join), room_version: roomVersion, invite_room_state: strippedState });
  });
});

describe('paths, signing and the version endpoint', () => {
  test('every reserved character of a path parameter survives the trip', async () => {
    const eventId = '$a/b+c?d#e%f&g=h ü:example.org';
    peer.answer('event', { body: { origin: 'peer.test', origin_server_ts: 1, pdus: [{ event_id: eventId }] } });
    const before = peer.received.length;
    await api.getEvent('peer.test', eventId);
    expect(onlyRequest('event', before).params.eventId).toBe(eventId);
  });

  test('a request signed with a key that is not the origin’s is refused by the app, and never reaches the route', async () => {
    const impostor = new FederationClient({ serverName: 'caller.test', signingKey: () => newSigningKey('k1'), resolver: hostMap });
    const before = peer.received.length;
    try {
      const error = await new FederationApi(impostor).getEventAuth('peer.test', '!r:peer.test', '$e').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FederationRequestError);
      expect(error).toMatchObject({ kind: 'http', status: 401, errcode: 'M_UNAUTHORIZED' });
      expect(peer.received.length).toBe(before);
    } finally {
      impostor.close();
    }
  });

  test('sendTransaction serves as the outbound sender’s transport (federationTransport, as the homeserver wires it)', async () => {
    const transport: TransactionTransport = federationTransport(api);
    peer.answer('send', { body: { pdus: {} } });
    const before = peer.received.length;
    await expect(transport('peer.test', 'txn-7', { origin: 'caller.test', origin_server_ts: 9, pdus: [], edus: [{ edu_type: 'm.typing', content: {} }] })).resolves.toEqual({ pdus: {} });
    expect(onlyRequest('send', before).body).toEqual({ origin: 'caller.test', origin_server_ts: 9, pdus: [], edus: [{ edu_type: 'm.typing', content: {} }] });
  });

  test('getVersion: unauthenticated GET /v1/version', async () => {
    expect(await api.getVersion('peer.test')).toEqual({ server: { name: 'dagmar', version: '0.1.0' } });
    expect(peer.seen.at(-1)).toBe('GET /_matrix/federation/v1/version');
  });

  test('caller mistakes are refused before anything is sent', async () => {
    const seen = peer.seen.length;
    await expect(api.backfill('peer.test', '!r:peer.test', [], 10)).rejects.toThrow(TypeError);
    await expect(api.backfill('peer.test', '!r:peer.test', ['$e'], 0)).rejects.toThrow(TypeError);
    expect(peer.seen.length).toBe(seen);
  });
});

describe('key endpoints (server-server API "Retrieving server keys", "Querying keys through another server")', () => {
  test('getServerKeys: GET /_matrix/key/v2/server → the whole self-signed object, which the key ring accepts', async () => {
    const seen = peer.seen.length;
    const keys = await api.getServerKeys('peer.test');
    expect(peer.seen.slice(seen)).toEqual(['GET /_matrix/key/v2/server']);
    expect(keys.server_name).toBe('peer.test');
    // Kept whole: the self-signature still verifies over exactly what came back.
    const record = parseServerKeysResponse(keys, 'peer.test', Date.now());
    expect(Object.keys(record.verifyKeys)).toEqual(['ed25519:canned']);
  });

  test('queryKeys: POST /_matrix/key/v2/query with the criteria; each answer signed by its server and by the notary', async () => {
    const seen = peer.seen.length;
    const answer = await api.queryKeys('peer.test', { 'caller.test': {} });
    expect(peer.seen.slice(seen)).toEqual(['POST /_matrix/key/v2/query']);
    expect(answer.server_keys.map((k) => k.server_name)).toEqual(['caller.test']);
    const callerKey = caller.keys.signingKeys[0]!;
    const notary = parseServerKeysResponse(await api.getServerKeys('peer.test'), 'peer.test', Date.now());
    const [notaryKeyId, notaryKey] = Object.entries(notary.verifyKeys)[0]!;
    expect(verifyJson(answer.server_keys[0]!, 'caller.test', callerKey.keyId, callerKey.publicKey)).toBe(true);
    expect(verifyJson(answer.server_keys[0]!, 'peer.test', notaryKeyId, notaryKey.key)).toBe(true);
    await expect(api.queryKeys('peer.test', {})).resolves.toEqual({ server_keys: [] });
  });

  describe('against a peer that answers what it likes', () => {
    const liar = { body: '' as string, requests: [] as { line: string; authorization: string | undefined; body: string }[] };
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        liar.requests.push({ line: `${req.method} ${req.url}`, authorization: req.headers.authorization, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(liar.body);
      });
    });
    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      hostMap.set('liar.test', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    const keys = { server_name: 'liar.test', verify_keys: { 'ed25519:a': { key: 'x' } }, valid_until_ts: 5, signatures: { 'liar.test': { 'ed25519:a': 'y' } } };

    test('both calls are sent without an Authorization header; a well-formed answer comes back unchanged, extra fields too', async () => {
      liar.requests.length = 0;
      liar.body = JSON.stringify({ ...keys, old_verify_keys: {}, extra: [1] });
      expect(await api.getServerKeys('liar.test')).toEqual({ ...keys, old_verify_keys: {}, extra: [1] });
      liar.body = JSON.stringify({ server_keys: [keys] });
      const criteria = { 'other.test': { 'ed25519:a': { minimum_valid_until_ts: 7 } } };
      expect(await api.queryKeys('liar.test', criteria)).toEqual({ server_keys: [keys] });
      expect(liar.requests.map((r) => [r.line, r.authorization])).toEqual([
        ['GET /_matrix/key/v2/server', undefined],
        ['POST /_matrix/key/v2/query', undefined],
      ]);
      expect(JSON.parse(liar.requests[1]!.body)).toEqual({ server_keys: criteria });
    });

    const { signatures: _signatures, ...unsigned } = keys;
    test.each([
      ['getServerKeys without server_name', (a: FederationApi) => a.getServerKeys('liar.test'), { ...keys, server_name: undefined }, 'server_name'],
      ['getServerKeys with verify_keys as a list', (a: FederationApi) => a.getServerKeys('liar.test'), { ...keys, verify_keys: ['x'] }, 'verify_keys'],
      ['getServerKeys with old_verify_keys as a string', (a: FederationApi) => a.getServerKeys('liar.test'), { ...keys, old_verify_keys: 'x' }, 'old_verify_keys'],
      ['getServerKeys with a fractional valid_until_ts', (a: FederationApi) => a.getServerKeys('liar.test'), { ...keys, valid_until_ts: 1.5 }, 'valid_until_ts'],
      ['getServerKeys without signatures', (a: FederationApi) => a.getServerKeys('liar.test'), unsigned, 'signatures'],
      ['queryKeys without server_keys', (a: FederationApi) => a.queryKeys('liar.test', {}), {}, 'server_keys'],
      ['queryKeys with a string among server_keys', (a: FederationApi) => a.queryKeys('liar.test', {}), { server_keys: [keys, 'x'] }, 'server_keys[1]'],
      ['queryKeys with unsigned keys among server_keys', (a: FederationApi) => a.queryKeys('liar.test', {}), { server_keys: [keys, unsigned] }, 'signatures'],
    ])('%s → bad-response', async (_name, run, body, mentions) => {
      liar.body = JSON.stringify(body);
      const error = await run(api).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FederationRequestError);
      expect(error).toMatchObject({ kind: 'bad-response', destination: 'liar.test' });
      expect((error as FederationRequestError).path.startsWith('/_matrix/key/v2/')).toBe(true);
      expect((error as Error).message).toContain(mentions);
    });
  });
});
