// What real SDKs call before and around /sync (client-server API): /capabilities, /pushrules/ (the
// spec's default rules), filters, profiles and displayname changes that update every joined room,
// joined_members, typing and receipts delivered in /sync's ephemeral, account data — on /v3 and /r0.
import { Homeserver } from '../../src/homeserver';
import { DEFAULT_ROOM_VERSION } from '../../src/protocol/room-versions';
import { startTestFederation, TestFederation } from '../../src/testing';
import { enc, MatrixClient } from './support/matrix-client';

let fed: TestFederation;
let a: Homeserver;
beforeEach(async () => {
  fed = await startTestFederation(['a.test'], { enableRegistration: true });
  [a] = fed.servers as [Homeserver];
});
afterEach(async () => fed.stop());

test.each(['v3', 'r0'])('capabilities and push rules under /%s', async (prefix) => {
  const alice = await MatrixClient.of(a).register('alice');
  const caps = (await alice.ok('GET', `/_matrix/client/${prefix}/capabilities`)).capabilities;
  // The default is the one createRoom uses without room_version (one constant for both).
  expect(caps['m.room_versions'].default).toBe(DEFAULT_ROOM_VERSION);
  expect(Object.keys(caps['m.room_versions'].available).sort((x, y) => Number(x) - Number(y))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  const rules = (await alice.ok('GET', `/_matrix/client/${prefix}/pushrules/`)).global;
  const ids = (kind: string) => rules[kind].map((r: { rule_id: string }) => r.rule_id);
  expect(ids('override')[0]).toBe('.m.rule.master');
  expect(ids('override')).toEqual(expect.arrayContaining(['.m.rule.suppress_notices', '.m.rule.invite_for_me', '.m.rule.member_event', '.m.rule.is_user_mention', '.m.rule.tombstone']));
  expect(rules.content).toEqual([expect.objectContaining({ rule_id: '.m.rule.contains_user_name', pattern: 'alice', default: true })]);
  expect(ids('underride')).toEqual(['.m.rule.call', '.m.rule.encrypted_room_one_to_one', '.m.rule.room_one_to_one', '.m.rule.message', '.m.rule.encrypted']);
  const missing = await new MatrixClient(a.url()).request('GET', `/_matrix/client/${prefix}/capabilities`);
  expect([missing.status, missing.body.errcode]).toEqual([401, 'M_MISSING_TOKEN']);
});

test('filters are per user: another user can neither read nor create yours; a bad filter is 400', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const bob = await MatrixClient.of(a).register('bob');
  const { filter_id } = await alice.ok('POST', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter`, { room: { state: { lazy_load_members: true } } });
  expect((await bob.request('GET', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter/${filter_id}`)).body.errcode).toBe('M_FORBIDDEN');
  expect((await bob.request('POST', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter`, {})).status).toBe(403);
  expect((await alice.request('GET', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter/999`)).body.errcode).toBe('M_NOT_FOUND');
  expect((await alice.request('POST', `/_matrix/client/v3/user/${enc(alice.userId!)}/filter`, { room: { timeline: { limit: -1 } } })).status).toBe(400);
});

test('setting a displayname updates the member event in every joined room; profile and joined_members show it', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const one = await alice.createRoom({ room_version: '12' });
  const two = await alice.createRoom({ room_version: '10' });
  await alice.ok('PUT', `/_matrix/client/v3/profile/${enc(alice.userId!)}/displayname`, { displayname: 'Alice A.' });
  for (const roomId of [one, two]) {
    const member = await alice.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(alice.userId!)}`);
    expect(member).toEqual({ membership: 'join', displayname: 'Alice A.' });
    expect(await alice.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`)).toEqual({ joined: { [alice.userId!]: { display_name: 'Alice A.' } } });
  }
  expect(await alice.ok('GET', `/_matrix/client/r0/profile/${enc(alice.userId!)}`)).toEqual({ displayname: 'Alice A.' });
  expect(await alice.ok('GET', `/_matrix/client/v3/profile/${enc(alice.userId!)}/displayname`)).toEqual({ displayname: 'Alice A.' });
  expect((await alice.request('GET', `/_matrix/client/v3/profile/${enc('@nobody:a.test')}`)).body.errcode).toBe('M_NOT_FOUND');
  const bob = await MatrixClient.of(a).register('bob');
  expect((await bob.request('PUT', `/_matrix/client/v3/profile/${enc(alice.userId!)}/displayname`, { displayname: 'x' })).status).toBe(403);
  expect((await bob.request('GET', `/_matrix/client/v3/rooms/${enc(one)}/joined_members`)).body.errcode).toBe('M_FORBIDDEN');
});

test('typing, receipts and account data reach /sync, and each wakes a waiting /sync', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const roomId = await alice.createRoom({ room_version: '12' });
  const eventId = await alice.send(roomId, 'read me');
  let since = (await alice.ok('GET', '/_matrix/client/v3/sync')).next_batch as string;
  const waitFor = async (act: () => Promise<unknown>) => {
    const waiting = alice.ok('GET', `/_matrix/client/v3/sync?since=${since}&timeout=20000`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await act();
    const body = await waiting;
    since = body.next_batch;
    return body;
  };
  const typing = await waitFor(() => alice.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(alice.userId!)}`, { typing: true, timeout: 10000 }));
  expect(typing.rooms.join[roomId].ephemeral.events).toEqual([{ type: 'm.typing', content: { user_ids: [alice.userId] } }]);
  const receipt = await waitFor(() => alice.ok('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {}));
  expect(receipt.rooms.join[roomId].ephemeral.events).toEqual([{ type: 'm.receipt', content: { [eventId]: { 'm.read': { [alice.userId!]: { ts: expect.any(Number) } } } } }]);
  const data = await waitFor(() => alice.ok('PUT', `/_matrix/client/v3/user/${enc(alice.userId!)}/account_data/org.example.settings`, { theme: 'dark' }));
  expect(data.account_data.events).toEqual([{ type: 'org.example.settings', content: { theme: 'dark' } }]);
  expect(await alice.ok('GET', `/_matrix/client/v3/user/${enc(alice.userId!)}/account_data/org.example.settings`)).toEqual({ theme: 'dark' });
  // A receipt for an event of another room, or none at all, is 404.
  expect((await alice.request('POST', `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc('$nope')}`, {})).status).toBe(404);
}, 30_000);
