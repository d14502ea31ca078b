// The light server's control API over real HTTP: join, learn state, send (a topic, a ban) against full
// servers A, B, C; 401 without the token, 404 when no token is configured; bad input gets spec errcodes.
/* eslint-disable @typescript-eslint/no-explicit-any -- the control API's JSON answers are read field by field */
import { createLightServer } from '../../src/light';
import type { LightServer } from '../../src/light';
import { eventually } from '../../src/testing/eventually';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { grantPower, LightRoomFixture, startLightRoom, stateOf, waitConverged } from './support/light-fixture';

const TOKEN = 'control-secret';
const OPERATOR = '@operator:ops.test';

interface Answer {
  status: number;
  body: Record<string, any>;
}

async function call(base: string, method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const enc = encodeURIComponent;

describe('the control API', () => {
  let f: LightRoomFixture;
  let ops: LightServer;
  let base: string;
  beforeAll(async () => {
    f = await startLightRoom('12');
    // A second light server, driven only through its control API; its user needs power to ban and set the topic.
    ops = await f.fed.addLight('ops.test', { adminToken: TOKEN });
    base = ops.url();
    // addLight wires a light server to the full servers only; the two light servers both have a member
    // in the room, so each fetches the other's key and receives the other's events.
    ops.hostMap.set('policy.test', f.light.url());
    f.light.hostMap.set('ops.test', base);
    await joinRemoteRoom(f.b, f.roomId, '@spam:b.test', ['a.test']);
    await waitConverged([f.a, f.b, f.c], f.roomId);
  });
  afterAll(async () => {
    await f.fed.stop();
  });

  test('join, then state via two servers equals what they hold, then send a topic and a ban', async () => {
    const { a, b, c, roomId } = f;
    const joined = await call(base, 'POST', `/_dagmar/light/v1/rooms/${enc(roomId)}/join`, { user_id: OPERATOR, via: ['a.test'] });
    expect({ status: joined.status, error: joined.body.error }).toEqual({ status: 200 });
    expect(joined.body).toMatchObject({ room_id: roomId, room_version: '12', via: 'a.test' });
    await eventually(() => [a, b, c].every((s) => s.rooms.membershipOf(roomId, OPERATOR) === 'join'), 'the join reaching everyone', 20_000);
    await grantPower(f, { [OPERATOR]: 50 });

    const state = await call(base, 'GET', `/_dagmar/light/v1/rooms/${enc(roomId)}/state?via=a.test,b.test`);
    expect(state.status).toBe(200);
    const learnt = (state.body.state as Array<Record<string, any>>).map((e) => [JSON.stringify([e.type, e.state_key]), e.event_id]);
    expect(learnt).toEqual(stateOf(a, roomId));
    expect(Object.keys(state.body.extremities).sort()).toEqual(['a.test', 'b.test']);
    expect(state.body.disagreements).toEqual([]);
    expect(state.body.stats.requests).toBeGreaterThan(0);
    const member = (state.body.state as Array<Record<string, any>>).find((e) => e.state_key === '@spam:b.test');
    expect(member).toMatchObject({ type: 'm.room.member', sender: '@spam:b.test', content: { membership: 'join' }, room_id: roomId });

    // Empty state key by the trailing slash; sender and via in the query.
    const topic = await call(base, 'POST', `/_dagmar/light/v1/rooms/${enc(roomId)}/send/m.room.topic/?sender=${enc(OPERATOR)}&via=a.test`, { topic: 'set by ops' });
    expect(topic.status).toBe(200);
    expect(topic.body.delivered).toEqual({ 'a.test': 'ok', 'b.test': 'ok', 'c.test': 'ok', 'policy.test': 'ok' });
    await eventually(() => [a, b, c].every((s) => s.rooms.currentStateEventId(roomId, 'm.room.topic', '') === topic.body.event_id), 'the topic everywhere', 20_000);
    expect(a.storage.getEvent(topic.body.event_id)!.event.content).toEqual({ topic: 'set by ops' });

    // Sender and via as body fields: they are not content.
    const ban = await call(base, 'POST', `/_dagmar/light/v1/rooms/${enc(roomId)}/send/m.room.member/${enc('@spam:b.test')}`, { membership: 'ban', sender: OPERATOR, via: ['b.test'] });
    expect(ban.status).toBe(200);
    expect(ban.body.delivered).toEqual({ 'a.test': 'ok', 'b.test': 'ok', 'c.test': 'ok', 'policy.test': 'ok' });
    await eventually(() => [a, b, c].every((s) => s.rooms.membershipOf(roomId, '@spam:b.test') === 'ban'), 'the ban everywhere', 20_000);
    expect(b.storage.getEvent(ban.body.event_id)!.event.content).toEqual({ membership: 'ban' });

    // A non-state event: no state key.
    const message = await call(base, 'POST', `/_dagmar/light/v1/rooms/${enc(roomId)}/send/m.room.message?sender=${enc(OPERATOR)}&via=c.test`, { msgtype: 'm.notice', body: 'banned a spammer' });
    expect(message.status).toBe(200);
    await eventually(() => c.storage.getEvent(message.body.event_id) !== undefined, 'the message on C', 20_000);
    expect(c.storage.getEvent(message.body.event_id)!.event.stateKey).toBeUndefined();
  }, 90_000);

  test('401 without the token or with a wrong one', async () => {
    const path = `/_dagmar/light/v1/rooms/${enc(f.roomId)}/state?via=a.test`;
    expect(await call(base, 'GET', path, undefined, null)).toMatchObject({ status: 401, body: { errcode: 'M_MISSING_TOKEN' } });
    expect(await call(base, 'GET', path, undefined, 'wrong')).toMatchObject({ status: 401, body: { errcode: 'M_UNKNOWN_TOKEN' } });
  });

  test('without an admin token the control API does not exist', async () => {
    const plain = createLightServer({ serverName: 'plain.test' });
    await plain.start({ port: 0 });
    try {
      const answer = await call(plain.url(), 'GET', `/_dagmar/light/v1/rooms/${enc(f.roomId)}/state?via=a.test`);
      expect(answer).toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    } finally {
      await plain.stop();
    }
  });

  test('bad input gets the spec errcodes', async () => {
    const room = `/_dagmar/light/v1/rooms/${enc(f.roomId)}`;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['GET', `/_dagmar/light/v1/rooms/not-a-room/state?via=a.test`, undefined, 400, 'M_INVALID_PARAM'],
      ['GET', `${room}/state`, undefined, 400, 'M_MISSING_PARAM'],
      ['GET', `${room}/state?via=not%20a%20server`, undefined, 400, 'M_INVALID_PARAM'],
      ['GET', `/_dagmar/light/v1/rooms/${enc('!unknown:a.test')}/state?via=a.test`, undefined, 404, 'M_NOT_FOUND'],
      ['POST', `${room}/join`, { via: ['a.test'] }, 400, 'M_MISSING_PARAM'],
      ['POST', `${room}/join`, { user_id: OPERATOR, via: 'a.test' }, 400, 'M_BAD_JSON'],
      ['POST', `${room}/join`, { user_id: '@someone:elsewhere.test', via: ['a.test'] }, 400, 'M_INVALID_PARAM'],
      ['POST', `${room}/join`, '{not json', 400, 'M_NOT_JSON'],
      ['POST', `${room}/send/m.room.message?via=a.test`, { body: 'no sender' }, 400, 'M_MISSING_PARAM'],
      ['POST', `${room}/send/m.room.message?via=a.test&sender=nobody`, { body: 'x' }, 400, 'M_INVALID_PARAM'],
      ['POST', `${room}/send/m.room.message?sender=${enc(OPERATOR)}`, { body: 'no via' }, 400, 'M_MISSING_PARAM'],
      // Built on the learned state, a power-levels change by a user at 50 fails the auth rules: nobody would take it.
      ['POST', `${room}/send/m.room.power_levels/?sender=${enc(OPERATOR)}&via=a.test`, { users: {} }, 403, 'M_FORBIDDEN'],
    ];
    for (const [method, path, body, status, errcode] of cases) {
      const answer = await call(base, method, path, body);
      expect({ method, path, status: answer.status, errcode: answer.body.errcode }).toEqual({ method, path, status, errcode });
    }
  }, 60_000);
});
