// The policy-server flow end to end: the light server joins, learns the state, bans a user of B; the ban
// reaches A, B and C, takes effect on each, and the banned user's next event is refused.
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { eventually } from '../../src/testing/eventually';
import { grantPower, LightRoomFixture, POLICY, startLightRoom, waitConverged } from './support/light-fixture';

describe.each(['1', '10', '12'])('room version %s', (roomVersion) => {
  let f: LightRoomFixture;
  beforeEach(async () => {
    f = await startLightRoom(roomVersion);
  });
  afterEach(async () => {
    await f.fed.stop();
  });

  test('join, learn, ban a spammer of B: the ban holds on A, B and C', async () => {
    const { a, b, c, light, roomId } = f;
    await joinRemoteRoom(b, roomId, '@spam:b.test', ['a.test']);
    await grantPower(f, { [POLICY]: 50 });
    await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@spam:b.test', content: { msgtype: 'm.text', body: 'buy now' } });
    await waitConverged([a, b, c], roomId);

    const view = await light.currentState(roomId, { via: ['a.test'] });
    expect(view.state.get(JSON.stringify(['m.room.member', '@spam:b.test']))?.content.membership).toBe('join');

    const sent = await light.send(roomId, { type: 'm.room.member', stateKey: '@spam:b.test', sender: POLICY, content: { membership: 'ban' } }, { via: ['a.test'] });
    expect(sent.delivered).toEqual({ 'a.test': 'ok', 'b.test': 'ok', 'c.test': 'ok' });
    // Built on what A named, citing what the spec's selection picks from the learned state.
    expect(sent.event.prevEventIds).toEqual(sent.view.used);
    expect(sent.event.depth).toBe(Math.max(...sent.event.prevEventIds.map((id) => a.storage.getEvent(id)!.event.depth)) + 1);
    const cited = (type: string, key: string) => sent.view.stateIds.get(JSON.stringify([type, key]));
    const expected = [cited('m.room.power_levels', ''), cited('m.room.member', POLICY), cited('m.room.member', '@spam:b.test')];
    if (roomVersion !== '12') expected.unshift(cited('m.room.create', ''));
    expect(sent.event.authEventIds).toEqual(expected);

    await eventually(() => [a, b, c].every((s) => s.rooms.membershipOf(roomId, '@spam:b.test') === 'ban'), 'the ban taking effect everywhere', 20_000);
    for (const s of [a, b, c]) expect(s.rooms.currentStateEventId(roomId, 'm.room.member', '@spam:b.test')).toBe(sent.eventId);
    await expect(b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@spam:b.test', content: { msgtype: 'm.text', body: 'again' } })).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });

    // The light server's next view has the ban too, learnt from its own event without asking for state.
    const after = await light.currentState(roomId, { via: ['b.test'] });
    expect(after.stateIds.get(JSON.stringify(['m.room.member', '@spam:b.test']))).toBe(sent.eventId);
  });
});
