// checkEventAuth's checks on the auth_events list itself, and the create event's place in it, per version.
import { checkAuthRules, checkEventAuth } from '../../src/auth';
import { ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { stateKey } from '../../src/protocol/state-map';
import { ALICE, BOB, defaultPowerLevels, TestRoom } from './support/test-room';

const message = { type: 'm.room.message', sender: ALICE, content: { body: 'hi' } };

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  test('a room built with selectAuthEvents passes, and a plain message is allowed', () => {
    const room = TestRoom.start(version);
    expect(room.try(message)).toEqual({ allowed: true });
  });

  test('an auth event that was not provided is rejected', () => {
    const room = TestRoom.start(version);
    const event = room.build(message);
    const pool = [...room.events.values()].filter((e) => e.type !== 'm.room.power_levels');
    expect(checkEventAuth(event, pool, version)).toEqual({ allowed: false, reason: expect.stringMatching(/^auth_events: .* was not provided$/) });
  });

  test('duplicate entries for one (type, state_key) are rejected', () => {
    const room = TestRoom.start(version, { powerLevels: null });
    const pl1 = room.send({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: defaultPowerLevels(room.rv) });
    const pl2 = room.send({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { ...defaultPowerLevels(room.rv), ban: 60 } });
    const selected = room.build(message);
    const authEvents = [...selected.authEventIds.map((id) => room.events.get(id)!), pl1];
    expect(authEvents).toContain(pl2);
    const verdict = room.check(room.build({ ...message, authEvents }));
    expect(verdict).toEqual({ allowed: false, reason: expect.stringMatching(/^auth_events: duplicate entries for \(m\.room\.power_levels/) });
  });

  test('an entry the selection does not allow is rejected (join rules on a message)', () => {
    const room = TestRoom.start(version);
    const selected = room.build(message).authEventIds.map((id) => room.events.get(id)!);
    const joinRules = room.state.get(stateKey('m.room.join_rules', ''))!;
    const verdict = room.check(room.build({ ...message, authEvents: [...selected, joinRules] }));
    expect(verdict).toEqual({ allowed: false, reason: expect.stringMatching(/^auth_events: \(m\.room\.join_rules, ""\) is not selected/) });
  });

  test('a rejected auth event rejects the event', () => {
    const room = TestRoom.start(version);
    const event = room.build(message);
    const pl = room.state.get(stateKey('m.room.power_levels', ''))!;
    expect(room.check(event, { rejectedEventIds: new Set([pl.eventId]) })).toEqual({ allowed: false, reason: `auth_events: ${pl.eventId} was rejected` });
  });

  test('an auth event from another room is rejected', () => {
    const room = TestRoom.start(version);
    const other = TestRoom.start(version, { createContent: { other: true }, roomId: '!other:test.local' });
    const otherPl = other.state.get(stateKey('m.room.power_levels', ''))!;
    const own = room.build(message).authEventIds.map((id) => room.events.get(id)!).filter((e) => e.type !== 'm.room.power_levels');
    const event = room.build({ ...message, authEvents: [...own, otherPl] });
    const verdict = checkEventAuth(event, [...room.events.values(), otherPl], version);
    expect(verdict).toEqual({ allowed: false, reason: `auth_events: ${otherPl.eventId} is from another room` });
  });

  test('a non-state auth event is rejected', () => {
    const room = TestRoom.start(version);
    const msg = room.send(message);
    const own = room.build(message).authEventIds.map((id) => room.events.get(id)!);
    const verdict = room.check(room.build({ ...message, authEvents: [...own, msg] }));
    expect(verdict).toEqual({ allowed: false, reason: `auth_events: ${msg.eventId} is not a state event` });
  });

  if (version !== '12') {
    test('v1–v11: the create event must be among the auth events', () => {
      const room = TestRoom.start(version);
      const without = room.build(message).authEventIds.map((id) => room.events.get(id)!).filter((e) => e.type !== 'm.room.create');
      expect(room.check(room.build({ ...message, authEvents: without }))).toEqual({ allowed: false, reason: 'auth_events: no m.room.create event' });
    });
  } else {
    test('v12: citing the create event is rejected; it is found through the room ID', () => {
      const room = TestRoom.start(version);
      const selected = room.build(message);
      expect(selected.authEventIds).not.toContain(room.create.eventId);
      expect(room.create.eventId).toBe(`$${room.roomId.slice(1)}`);
      const citing = room.build({ ...message, authEvents: [room.create, ...selected.authEventIds.map((id) => room.events.get(id)!)] });
      expect(room.check(citing)).toEqual({ allowed: false, reason: expect.stringMatching(/^auth_events: \(m\.room\.create, ""\) is not selected/) });
    });

    test('v12: the create event must be provided, and must not be rejected', () => {
      const room = TestRoom.start(version);
      const event = room.build(message);
      const pool = [...room.events.values()].filter((e) => e.type !== 'm.room.create');
      expect(checkEventAuth(event, pool, version)).toEqual({ allowed: false, reason: 'room: the create event named by room_id was not provided' });
      expect(room.check(event, { rejectedEventIds: new Set([room.create.eventId]) })).toEqual({ allowed: false, reason: 'room: the create event was rejected' });
    });

    test('v12: checkAuthRules rejects a state whose create event is not the room ID\'s', () => {
      const room = TestRoom.start(version);
      const other = TestRoom.start(version, { createContent: { other: true } });
      const state = new Map(room.state);
      state.set(stateKey('m.room.create', ''), other.create);
      expect(checkAuthRules(room.build(message), state, version)).toEqual({ allowed: false, reason: 'room: room_id is not the ID of the create event' });
    });
  }

  test('checkAuthRules without any create event rejects', () => {
    const room = TestRoom.start(version);
    const state = new Map(room.state);
    state.delete(stateKey('m.room.create', ''));
    const verdict = checkAuthRules(room.build(message), state, version);
    expect(verdict.allowed).toBe(false);
  });

  test('the sender must be joined', () => {
    const room = TestRoom.start(version);
    expect(room.try({ ...message, sender: BOB })).toEqual({ allowed: false, reason: 'sender: not joined to the room' });
    room.join(BOB);
    expect(room.try({ ...message, sender: BOB })).toEqual({ allowed: true });
    room.setMembership(BOB, BOB, 'leave');
    expect(room.try({ ...message, sender: BOB })).toEqual({ allowed: false, reason: 'sender: not joined to the room' });
  });
});
