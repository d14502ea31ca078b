// Room aliases (client-server API "Room aliases"; server-server API "Querying for information"): made,
// read and deleted on their server, resolved from another server over /query/directory, and joined by
// alias across servers.
import { Homeserver } from '../../src/homeserver';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';
import { enc, MatrixClient } from './support/matrix-client';

let fed: TestFederation;
let a: Homeserver;
let b: Homeserver;
beforeEach(async () => {
  fed = await startTestFederation(['a.test', 'b.test'], { enableRegistration: true });
  [a, b] = fed.servers as [Homeserver, Homeserver];
});
afterEach(async () => fed.stop());

const dir = (alias: string) => `/_matrix/client/v3/directory/room/${enc(alias)}`;

test('an alias is made by a member, conflicts are 409, only its creator deletes it', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const bob = await MatrixClient.of(a).register('bob');
  const roomId = await alice.createRoom({ room_version: '12', preset: 'public_chat' });
  expect((await bob.request('PUT', dir('#x:a.test'), { room_id: roomId })).body.errcode).toBe('M_FORBIDDEN'); // not a member
  await alice.ok('PUT', dir('#lobby:a.test'), { room_id: roomId });
  const again = await alice.request('PUT', dir('#lobby:a.test'), { room_id: roomId });
  expect([again.status, again.body.errcode]).toEqual([409, 'M_UNKNOWN']);
  expect((await alice.request('PUT', dir('#lobby:b.test'), { room_id: roomId })).status).toBe(400); // not our alias
  expect(await bob.ok('GET', `/_matrix/client/r0/directory/room/${enc('#lobby:a.test')}`)).toEqual({ room_id: roomId, servers: ['a.test'] });
  expect(await alice.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/aliases`)).toEqual({ aliases: ['#lobby:a.test'] });
  expect((await bob.request('DELETE', dir('#lobby:a.test'))).body.errcode).toBe('M_FORBIDDEN');
  await alice.ok('DELETE', dir('#lobby:a.test'));
  expect((await bob.request('GET', dir('#lobby:a.test'))).body.errcode).toBe('M_NOT_FOUND');
});

test('a user of another server resolves the alias over federation and joins by it', async () => {
  const alice = await MatrixClient.of(a).register('alice');
  const carol = await MatrixClient.of(b).register('carol');
  const roomId = await alice.createRoom({ room_version: '12', preset: 'public_chat' });
  await alice.ok('PUT', dir('#lobby:a.test'), { room_id: roomId });
  expect(await carol.ok('GET', dir('#lobby:a.test'))).toEqual({ room_id: roomId, servers: ['a.test'] });
  expect((await carol.request('GET', dir('#nothing:a.test'))).body.errcode).toBe('M_NOT_FOUND');
  expect(await carol.ok('POST', `/_matrix/client/v3/join/${enc('#lobby:a.test')}`, {})).toEqual({ room_id: roomId });
  expect(b.rooms.membershipOf(roomId, carol.userId!)).toBe('join');
  await eventually(() => a.rooms.membershipOf(roomId, carol.userId!) === 'join', 'a sees carol joined');
  // Now b is in the room too, and says so.
  await alice.ok('PUT', dir('#second:a.test'), { room_id: roomId });
  expect((await carol.ok('GET', dir('#second:a.test'))).servers).toEqual(['a.test', 'b.test']);
});
