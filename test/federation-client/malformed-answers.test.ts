// A 2xx answer of the wrong shape fails the typed call with kind 'bad-response', naming the request.
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { startTestServer, TestClock, TestServer } from '../federation/support/test-servers';
import { CannedPeer, EndpointName, startCannedPeer } from './support/canned-peer';

const hostMap = new HostMapResolver({});
let caller: TestServer;
let peer: CannedPeer;
let api: FederationApi;

beforeAll(async () => {
  caller = await startTestServer('caller.test', hostMap, new TestClock());
  peer = await startCannedPeer('peer.test', hostMap);
  api = new FederationApi(caller.client);
});
afterAll(async () => {
  await Promise.all([caller.close(), peer.close()]);
});

const room = '!room:peer.test';
const pdu = { type: 'm.room.message', room_id: room, sender: '@a:peer.test', content: {} };
const txn = { origin: 'peer.test', origin_server_ts: 5 };

type Case = [string, EndpointName, unknown, (api: FederationApi) => Promise<unknown>, string];
const call = {
  send: (a: FederationApi) => a.sendTransaction('peer.test', 't1', { origin: 'caller.test', origin_server_ts: 1, pdus: [] }),
  event: (a: FederationApi) => a.getEvent('peer.test', '$e'),
  state: (a: FederationApi) => a.getState('peer.test', room, '$e'),
  stateIds: (a: FederationApi) => a.getStateIds('peer.test', room, '$e'),
  backfill: (a: FederationApi) => a.backfill('peer.test', room, ['$e'], 10),
  missing: (a: FederationApi) => a.getMissingEvents('peer.test', room, { earliest_events: [], latest_events: ['$e'] }),
  auth: (a: FederationApi) => a.getEventAuth('peer.test', room, '$e'),
  makeJoin: (a: FederationApi) => a.makeJoin('peer.test', room, '@b:caller.test', ['10']),
  sendJoin: (a: FederationApi) => a.sendJoin('peer.test', room, '$e', pdu),
  makeLeave: (a: FederationApi) => a.makeLeave('peer.test', room, '@b:caller.test'),
  invite: (a: FederationApi) => a.invite('peer.test', room, '$e', { event: pdu, room_version: '10' }),
  extremities: (a: FederationApi) => a.getExtremities('peer.test', room),
};

const cases: Case[] = [
  ['send without pdus', 'send', {}, call.send, 'pdus'],
  ['send with a numeric error', 'send', { pdus: { $e: { error: 5 } } }, call.send, 'pdus[$e]'],
  ['send with a result that is not an object', 'send', { pdus: { $e: 'ok' } }, call.send, 'pdus[$e]'],
  ['event with no PDU', 'event', { ...txn, pdus: [] }, call.event, 'exactly one'],
  ['event with two PDUs', 'event', { ...txn, pdus: [pdu, pdu] }, call.event, 'exactly one'],
  ['event whose PDU is a string', 'event', { ...txn, pdus: ['$e'] }, call.event, 'pdus[0]'],
  ['event without origin_server_ts', 'event', { origin: 'peer.test', pdus: [pdu] }, call.event, 'origin_server_ts'],
  ['event with a fractional origin_server_ts', 'event', { ...txn, origin_server_ts: 1.5, pdus: [pdu] }, call.event, 'origin_server_ts'],
  ['state without auth_chain', 'state', { pdus: [pdu] }, call.state, 'auth_chain'],
  ['state_ids with a numeric ID', 'state_ids', { pdu_ids: [1], auth_chain_ids: [] }, call.stateIds, 'pdu_ids'],
  ['backfill with pdus as an object', 'backfill', { ...txn, pdus: { a: pdu } }, call.backfill, 'pdus'],
  ['backfill without origin', 'backfill', { origin_server_ts: 1, pdus: [] }, call.backfill, 'origin'],
  ['get_missing_events without events', 'get_missing_events', { pdus: [pdu] }, call.missing, 'events'],
  ['event_auth with a null in the chain', 'event_auth', { auth_chain: [pdu, null] }, call.auth, 'auth_chain[1]'],
  ['make_join without a template', 'make_join', { room_version: '10' }, call.makeJoin, 'event'],
  ['make_join with a numeric room_version', 'make_join', { event: pdu, room_version: 10 }, call.makeJoin, 'room_version'],
  ['send_join without state', 'send_join', { origin: 'peer.test', auth_chain: [] }, call.sendJoin, 'state'],
  ['send_join omitting members without servers_in_room', 'send_join', { origin: 'peer.test', state: [], auth_chain: [], members_omitted: true }, call.sendJoin, 'servers_in_room'],
  ['make_leave with a template that is an array', 'make_leave', { event: [pdu] }, call.makeLeave, 'event'],
  ['invite without the event', 'invite', {}, call.invite, 'event'],
  ['extremities without prev_events', 'extremities', { extremities: ['$e'] }, call.extremities, 'prev_events'],
  ['extremities with an empty list', 'extremities', { prev_events: [] }, call.extremities, 'non-empty'],
  ['extremities with a number', 'extremities', { prev_events: ['$a', 7] }, call.extremities, 'prev_events[1]'],
  ['extremities with something not an event ID', 'extremities', { prev_events: ['!room:x'] }, call.extremities, 'prev_events[0]'],
  ['an answer that is a JSON array', 'event', [pdu], call.event, 'not a JSON object'],
  ['an answer that is not JSON at all', 'state', 'hello', call.state, 'not a JSON object'],
];

test.each(cases)('%s → bad-response', async (_name, endpoint, body, run, mentions) => {
  peer.answer(endpoint, { body });
  const error = await run(api).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FederationRequestError);
  const failure = error as FederationRequestError;
  expect(failure.kind).toBe('bad-response');
  expect(failure.destination).toBe('peer.test');
  expect(failure.path.startsWith('/_matrix/federation/')).toBe(true);
  expect(failure.message).toContain(mentions);
});

test('the same endpoints answer fine once the answer is well-formed (the cases above fail for their shape alone)', async () => {
  peer.answer('event', { body: { ...txn, pdus: [pdu] } });
  peer.answer('extremities', { body: { prev_events: ['$a'] } });
  await expect(call.event(api)).resolves.toEqual({ ...txn, pdus: [pdu] });
  await expect(call.extremities(api)).resolves.toEqual(['$a']);
});
