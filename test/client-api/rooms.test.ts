// Client-server rooms on one server over real HTTP: createRoom per room version, idempotent sends,
// state, /messages pagination both ways, /event, membership moderation, and the refusals.
import { Homeserver } from '../../src/homeserver';
import { startTestHomeserver } from '../../src/testing';
import { enc, MatrixClient } from './support/matrix-client';

let hs: Homeserver;
let alice: MatrixClient;
let bob: MatrixClient;
beforeEach(async () => {
  hs = await startTestHomeserver('hs.test', { enableRegistration: true });
  alice = await MatrixClient.of(hs).register('alice');
  bob = await MatrixClient.of(hs).register('bob');
});
afterEach(async () => hs.stop());

const room = (roomId: string, rest = '') => `/_matrix/client/v3/rooms/${enc(roomId)}${rest}`;

describe.each(['1', '10', '12'])('room version %s', (version) => {
  test('createRoom with name, topic and initial state; the state reads back one by one and whole', async () => {
    const roomId = await alice.createRoom({ room_version: version, preset: 'public_chat', name: 'Lobby', topic: 'chat', initial_state: [{ type: 'org.example.flag', state_key: 'k', content: { on: true } }] });
    expect(hs.storage.roomVersionOf(roomId)).toBe(version);
    expect(await alice.ok('GET', room(roomId, '/state/m.room.name'))).toEqual({ name: 'Lobby' });
    expect(await alice.ok('GET', room(roomId, '/state/m.room.topic/'))).toEqual({ topic: 'chat' });
    expect(await alice.ok('GET', room(roomId, '/state/org.example.flag/k'))).toEqual({ on: true });
    expect(await alice.ok('GET', room(roomId, '/state/m.room.create'))).toMatchObject({ room_version: version });
    const all = (await alice.ok('GET', room(roomId, '/state'))) as Array<{ type: string; state_key: string; event_id: string }>;
    expect(all.map((e) => e.type).sort()).toEqual(
      ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.join_rules', 'm.room.history_visibility', 'm.room.name', 'm.room.topic', 'org.example.flag'].sort(),
    );
    expect(await alice.request('GET', room(roomId, '/state/m.room.avatar'))).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(hs.storage.verifyRoom(roomId).ok).toBe(true);
  });

  test('a retried send with the same txnId returns the same event and stores one', async () => {
    const roomId = await alice.createRoom({ room_version: version });
    const path = room(roomId, '/send/m.room.message/txn1');
    const [first, second] = await Promise.all([alice.ok('PUT', path, { msgtype: 'm.text', body: 'hi' }), alice.ok('PUT', path, { msgtype: 'm.text', body: 'hi' })]);
    expect(second.event_id).toBe(first.event_id);
    expect(await alice.messageBodies(roomId)).toEqual(['hi']);
    // Another token (device) with the same txnId is another transaction.
    const other = await MatrixClient.of(hs).request('POST', '/_matrix/client/v3/login', { type: 'm.login.password', user: 'alice', password: 'correct horse' });
    const again = await alice.request('PUT', path, { msgtype: 'm.text', body: 'hi' }, other.body.access_token);
    expect(again.body.event_id).not.toBe(first.event_id);
    expect(await alice.messageBodies(roomId)).toEqual(['hi', 'hi']);
    const event = await alice.ok('GET', room(roomId, `/event/${enc(first.event_id)}`));
    expect(event).toMatchObject({ event_id: first.event_id, room_id: roomId, sender: alice.userId, type: 'm.room.message', content: { body: 'hi' } });
    expect(event.hashes).toBeUndefined();
  });

  test('/messages pages backwards and forwards through every event exactly once', async () => {
    const roomId = await alice.createRoom({ room_version: version });
    for (let i = 0; i < 7; i++) await alice.send(roomId, `m${i}`);
    const collect = async (dir: 'b' | 'f') => {
      const seen: string[] = [];
      let from: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await alice.ok('GET', room(roomId, `/messages?dir=${dir}&limit=3${from ? `&from=${from}` : ''}`));
        seen.push(...page.chunk.map((e: { event_id: string }) => e.event_id));
        if (page.end === undefined) return seen;
        from = page.end;
      }
      throw new Error('pagination did not end');
    };
    const backwards = await collect('b');
    const forwards = await collect('f');
    expect(new Set(backwards).size).toBe(backwards.length);
    expect(forwards).toEqual([...backwards].reverse());
    // Every timeline event of the room: the creation events plus the seven messages.
    const stored = hs.storage.listRooms().find((r) => r.roomId === roomId);
    expect(backwards).toHaveLength(stored!.events);
    expect(await alice.messageBodies(roomId)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(await alice.request('GET', room(roomId, '/messages?dir=x'))).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
    expect(await alice.request('GET', room(roomId, '/messages?dir=b&from=garbage'))).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
    // Tokens name events, which storage places in its own order: one from another room names nothing here.
    const other = await alice.createRoom({ room_version: version });
    await alice.send(other, 'elsewhere');
    const foreign = (await alice.ok('GET', room(other, '/messages?dir=b&limit=1'))).end as string;
    expect(await alice.request('GET', room(roomId, `/messages?dir=b&from=${foreign}`))).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
    expect(await alice.request('GET', room(roomId, `/messages?dir=f&to=${foreign}`))).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
  });

  test('invite, join, kick, ban and unban through the membership endpoints', async () => {
    const roomId = await alice.createRoom({ room_version: version });
    expect(await bob.request('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {})).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    await alice.ok('POST', room(roomId, '/invite'), { user_id: bob.userId });
    expect(hs.rooms.membershipOf(roomId, bob.userId!)).toBe('invite');
    expect(await bob.ok('POST', room(roomId, '/join'), {})).toEqual({ room_id: roomId });
    expect((await bob.ok('GET', '/_matrix/client/v3/joined_rooms')).joined_rooms).toEqual([roomId]);
    await bob.send(roomId, 'hello');
    const members = await alice.ok('GET', room(roomId, '/members?membership=join'));
    expect(members.chunk.map((e: { state_key: string }) => e.state_key).sort()).toEqual([alice.userId, bob.userId].sort());

    // Bob has no power to kick alice; alice kicks bob.
    expect(await bob.request('POST', room(roomId, '/kick'), { user_id: alice.userId })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    await alice.ok('POST', room(roomId, '/kick'), { user_id: bob.userId, reason: 'test' });
    expect(hs.rooms.membershipOf(roomId, bob.userId!)).toBe('leave');
    expect(await bob.request('PUT', room(roomId, '/send/m.room.message/x'), { body: 'still here?' })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(await bob.request('GET', room(roomId, '/messages?dir=b'))).toMatchObject({ status: 403 });
    expect(await alice.request('POST', room(roomId, '/kick'), { user_id: bob.userId })).toMatchObject({ status: 403 });

    await alice.ok('POST', room(roomId, '/ban'), { user_id: bob.userId });
    expect(hs.rooms.membershipOf(roomId, bob.userId!)).toBe('ban');
    expect(await alice.request('POST', room(roomId, '/invite'), { user_id: bob.userId })).toMatchObject({ status: 403 });
    await alice.ok('POST', room(roomId, '/unban'), { user_id: bob.userId });
    expect(hs.rooms.membershipOf(roomId, bob.userId!)).toBe('leave');
    expect(hs.storage.verifyRoom(roomId).ok).toBe(true);
  });

  test('redact: the message and a state event read back pruned with redacted_because; the txnId is honoured', async () => {
    const roomId = await alice.createRoom({ room_version: version, name: 'Secret name' });
    const message = await alice.send(roomId, 'oops');
    const redactPath = room(roomId, `/redact/${enc(message)}/r1`);
    const { event_id: redactionId } = await alice.ok('PUT', redactPath, { reason: 'typo' });
    expect((await alice.ok('PUT', redactPath, { reason: 'typo' })).event_id).toBe(redactionId);
    const shown = await alice.ok('GET', room(roomId, `/event/${enc(message)}`));
    expect(shown.content).toEqual({});
    expect(shown.unsigned.redacted_because).toMatchObject({ event_id: redactionId, type: 'm.room.redaction', content: { reason: 'typo' } });
    expect(await alice.messageBodies(roomId)).toEqual(['undefined']);

    const nameId = hs.rooms.currentStateEventId(roomId, 'm.room.name', '')!;
    await alice.ok('PUT', room(roomId, `/redact/${enc(nameId)}/r2`), {});
    expect(await alice.ok('GET', room(roomId, '/state/m.room.name'))).toEqual({});
    expect(await alice.request('PUT', room(roomId, `/redact/${enc('$missing')}/r3`), {})).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  });

  test('leave takes the user out; reading afterwards is refused', async () => {
    const roomId = await alice.createRoom({ room_version: version, preset: 'public_chat' });
    await bob.ok('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {});
    await bob.ok('POST', room(roomId, '/leave'), {});
    expect(hs.rooms.membershipOf(roomId, bob.userId!)).toBe('leave');
    expect(await bob.request('POST', room(roomId, '/leave'), {})).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(await bob.request('GET', room(roomId, '/state'))).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  });
});

test('world_readable rooms can be read by anyone with a token; others cannot', async () => {
  const roomId = await alice.createRoom({ initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } }] });
  await alice.send(roomId, 'public words');
  expect(await bob.messageBodies(roomId)).toEqual(['public words']);
  const privateRoom = await alice.createRoom();
  expect(await bob.request('GET', room(privateRoom, '/messages?dir=b'))).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
});

test('bad requests get the spec errcodes and store nothing', async () => {
  expect(await alice.request('POST', '/_matrix/client/v3/createRoom', { room_version: '99' })).toMatchObject({ status: 400, body: { errcode: 'M_UNSUPPORTED_ROOM_VERSION' } });
  expect(await alice.request('POST', '/_matrix/client/v3/createRoom', { preset: 'party' })).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
  expect(await alice.request('POST', '/_matrix/client/v3/createRoom', { invite: ['not-a-user'] })).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
  expect(await alice.request('POST', '/_matrix/client/v3/createRoom', { initial_state: [{ type: 5 }] })).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
  expect(hs.storage.listRooms()).toEqual([]);
  const roomId = await alice.createRoom();
  expect(await alice.request('PUT', room(roomId, '/send/m.room.redaction/t'), {})).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
  expect(await bob.request('PUT', room(roomId, '/send/m.room.message/t'), { body: 'x' })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  expect(await bob.request('PUT', room(roomId, '/state/m.room.topic'), { topic: 'x' })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
  expect(await alice.request('GET', room(roomId, `/event/${enc('$nope')}`))).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  expect(await alice.request('POST', `/_matrix/client/v3/join/${enc('#alias:hs.test')}`, {})).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  expect(await alice.request('POST', `/_matrix/client/v3/join/${enc('!unknown:hs.test')}`, {})).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  expect(await alice.request('POST', '/_matrix/client/v3/join/nonsense', {})).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
});
