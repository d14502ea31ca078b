// Power levels: reading them (strings before v10, floats before v6, v12 creators) and the rules for changing them.
import { parsePowerLevelValue, powerLevelOf, requiredPowerForEvent, roomCreators } from '../../src/auth';
import { getRoomVersion, ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { stateKey } from '../../src/protocol/state-map';
import { ALICE, BOB, CAROL, DAVE, defaultPowerLevels, TestRoom } from './support/test-room';

const VERSIONS = ROOM_VERSION_IDS.map((v) => [v]);
const pl = (sender: string, content: Record<string, unknown>) => ({ type: 'm.room.power_levels', sender, stateKey: '', content: content as never });
const denied = (reason: string | RegExp) => ({ allowed: false, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });

describe('parsePowerLevelValue', () => {
  test.each([
    ['1', 50, 50],
    ['1', '50', 50],
    ['1', ' +050 ', 50],
    ['1', '-7', -7],
    ['1', 50.9, 50],
    ['1', -3.5, -3],
    ['5', 5.114698e4, 51146],
    ['6', 50.5, undefined],
    ['9', '\t100\n', 100],
    ['9', '1.5', undefined],
    ['9', '0x10', undefined],
    ['9', '', undefined],
    ['10', '50', undefined],
    ['10', 50, 50],
    ['12', true, undefined],
  ])('v%s: %p -> %p', (version, value, expected) => {
    expect(parsePowerLevelValue(value, version)).toBe(expected);
  });
});

describe.each(VERSIONS)('power-level reading, room version %s', (version) => {
  const rv = getRoomVersion(version);

  test('with no power-levels event the creator has 100 (v12: infinite), others 0; state needs 50', () => {
    const room = TestRoom.start(version, { powerLevels: null });
    expect(powerLevelOf(ALICE, undefined, room.create, version)).toBe(rv.privilegedCreators ? Infinity : 100);
    expect(powerLevelOf(BOB, undefined, room.create, version)).toBe(0);
    expect(requiredPowerForEvent('m.room.topic', '', undefined, version)).toBe(50);
    expect(requiredPowerForEvent('m.room.message', undefined, undefined, version)).toBe(0);
    room.join(BOB);
    expect(room.try({ type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 'x' } })).toEqual(denied(/^power: m\.room\.topic needs power level 50, sender has 0$/));
    expect(room.try({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'x' } })).toEqual({ allowed: true });
  });

  test('users_default, events and events_default/state_default decide who may send what', () => {
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), users_default: 10, events_default: 10, events: { 'm.room.topic': 5, 'm.custom': 20 } } });
    room.join(BOB);
    expect(room.try({ type: 'm.room.message', sender: BOB, content: {} })).toEqual({ allowed: true });
    expect(room.try({ type: 'm.room.topic', sender: BOB, stateKey: '', content: {} })).toEqual({ allowed: true });
    expect(room.try({ type: 'm.custom', sender: BOB, content: {} })).toEqual(denied(/^power: m\.custom needs power level 20/));
    expect(room.try({ type: 'm.room.name', sender: BOB, stateKey: '', content: {} })).toEqual(denied(/^power: m\.room\.name needs power level 50/));
  });

  test('a state_key starting with @ belongs to that user', () => {
    const room = TestRoom.start(version);
    expect(room.try({ type: 'm.custom.state', sender: ALICE, stateKey: BOB, content: {} })).toEqual(denied("state_key: starts with @ and is not the sender's user ID"));
    expect(room.try({ type: 'm.custom.state', sender: ALICE, stateKey: ALICE, content: {} })).toEqual({ allowed: true });
  });

  test(`string levels are ${rv.integerPowerLevels ? 'rejected (v10+)' : 'accepted (before v10)'}`, () => {
    const room = TestRoom.start(version);
    const content = { ...defaultPowerLevels(rv), ban: '60', users: { ...(defaultPowerLevels(rv).users as object), [BOB]: ' 40 ' } };
    const verdict = room.try(pl(ALICE, content));
    expect(verdict).toEqual(rv.integerPowerLevels ? denied('power_levels: ban is not an integer') : { allowed: true });
    if (!rv.integerPowerLevels) {
      room.send(pl(ALICE, content));
      room.join(BOB);
      const current = room.state.get(stateKey('m.room.power_levels', ''))!;
      expect(powerLevelOf(BOB, current, room.create, version)).toBe(40);
      // An unchanged value written as a number counts as unchanged.
      expect(room.try(pl(BOB, { ...content, users: { ...content.users, [BOB]: 40 } }))).toEqual(denied(/^power: m\.room\.power_levels needs power level 50/));
    }
  });

  if (rv.integerPowerLevels) {
    test('v10+: events and notifications must map to integers; users to integers', () => {
      const room = TestRoom.start(version);
      const base = defaultPowerLevels(rv);
      expect(room.try(pl(ALICE, { ...base, events: { 'm.room.name': '50' } }))).toEqual(denied('power_levels: events is not an object of integers'));
      expect(room.try(pl(ALICE, { ...base, notifications: { room: true } }))).toEqual(denied('power_levels: notifications is not an object of integers'));
      expect(room.try(pl(ALICE, { ...base, notifications: [] }))).toEqual(denied('power_levels: notifications is not an object of integers'));
      expect(room.try(pl(ALICE, { ...base, users: { [BOB]: '5' } }))).toEqual(denied(`power_levels: users["${BOB}"] is not an integer`));
    });
  }

  test('users must be an object keyed by user IDs with integer values', () => {
    const room = TestRoom.start(version);
    const base = defaultPowerLevels(rv);
    expect(room.try(pl(ALICE, { ...base, users: { ...(base.users as object), 'not-a-user': 5 } }))).toEqual(denied('power_levels: users key "not-a-user" is not a user ID'));
    expect(room.try(pl(ALICE, { ...base, users: { ...(base.users as object), [BOB]: 'lots' } }))).toEqual(denied(`power_levels: users["${BOB}"] is not an integer`));
    expect(room.try(pl(ALICE, { ...base, users: [] }))).toEqual(denied('power_levels: users is not an object'));
  });
});

describe.each(VERSIONS)('changing power levels, room version %s', (version) => {
  const rv = getRoomVersion(version);
  const start = () => {
    const room = TestRoom.start(version, {
      powerLevels: { ...defaultPowerLevels(rv), events: { 'm.room.power_levels': 50, 'm.room.tombstone': 80 }, notifications: { room: 80 }, users: { ...(defaultPowerLevels(rv).users as object), [BOB]: 50, [CAROL]: 50 } },
    });
    room.join(BOB);
    room.join(CAROL);
    room.join(DAVE);
    return room;
  };
  const current = (room: TestRoom) => room.state.get(stateKey('m.room.power_levels', ''))!.content as Record<string, unknown>;

  test('named levels: neither the old nor the new value may exceed the sender', () => {
    const room = start();
    expect(room.try(pl(BOB, { ...current(room), kick: 40 }))).toEqual({ allowed: true });
    expect(room.try(pl(BOB, { ...current(room), kick: 60 }))).toEqual(denied('power_levels: sender cannot set kick above their own level'));
    room.send(pl(ALICE, { ...current(room), redact: 70 }));
    expect(room.try(pl(BOB, { ...current(room), redact: 10 }))).toEqual(denied('power_levels: sender cannot change redact from a level above their own'));
    const { redact: _r, ...withoutRedact } = current(room);
    expect(room.try(pl(BOB, withoutRedact))).toEqual(denied('power_levels: sender cannot change redact from a level above their own'));
  });

  test('events: entries above the sender may be neither changed, removed nor added', () => {
    const room = start();
    const events = current(room).events as Record<string, number>;
    expect(room.try(pl(BOB, { ...current(room), events: { ...events, 'm.room.topic': 50 } }))).toEqual({ allowed: true });
    expect(room.try(pl(BOB, { ...current(room), events: { ...events, 'm.room.topic': 51 } }))).toEqual(denied('power_levels: sender cannot set events["m.room.topic"] above their own level'));
    expect(room.try(pl(BOB, { ...current(room), events: { 'm.room.power_levels': 50 } }))).toEqual(denied('power_levels: sender cannot change events["m.room.tombstone"] from a level above their own'));
  });

  test(`notifications are ${rv.limitNotificationsPowerLevels ? 'checked (v6+)' : 'not checked (before v6)'}`, () => {
    const room = start();
    const verdict = room.try(pl(BOB, { ...current(room), notifications: { room: 10 } }));
    expect(verdict).toEqual(rv.limitNotificationsPowerLevels ? denied('power_levels: sender cannot change notifications["room"] from a level above their own') : { allowed: true });
  });

  test('users: others at or above the sender are untouchable; nobody is raised above the sender', () => {
    const room = start();
    const users = current(room).users as Record<string, number>;
    expect(room.try(pl(BOB, { ...current(room), users: { ...users, [DAVE]: 50 } }))).toEqual({ allowed: true });
    expect(room.try(pl(BOB, { ...current(room), users: { ...users, [DAVE]: 51 } }))).toEqual(denied(`power_levels: sender cannot give ${DAVE} a level above their own`));
    expect(room.try(pl(BOB, { ...current(room), users: { ...users, [CAROL]: 10 } }))).toEqual(denied(`power_levels: sender cannot change the level of ${CAROL}, which is not below their own`));
    // Demoting oneself is allowed.
    expect(room.try(pl(BOB, { ...current(room), users: { ...users, [BOB]: 10 } }))).toEqual({ allowed: true });
  });

  test('the first power-levels event is allowed without comparisons', () => {
    const room = TestRoom.start(version, { powerLevels: null });
    expect(room.try(pl(ALICE, { ...defaultPowerLevels(rv), ban: 1000, users: rv.privilegedCreators ? { [BOB]: 1000 } : { [ALICE]: 100, [BOB]: 1000 } }))).toEqual({ allowed: true });
  });
});

describe('v12 creators (MSC4289)', () => {
  const version = '12';
  test('the create sender and additional_creators are the creators, with infinite power', () => {
    const room = TestRoom.start(version, { createContent: { additional_creators: [BOB] } });
    expect([...roomCreators(room.create, version)]).toEqual([ALICE, BOB]);
    expect(powerLevelOf(BOB, room.state.get(stateKey('m.room.power_levels', '')), room.create, version)).toBe(Infinity);
  });

  test('creators may not be listed in users', () => {
    const room = TestRoom.start(version, { createContent: { additional_creators: [BOB] } });
    expect(room.try(pl(ALICE, { ...defaultPowerLevels(room.rv), users: { [ALICE]: 100 } }))).toEqual(denied('power_levels: users lists a room creator'));
    expect(room.try(pl(ALICE, { ...defaultPowerLevels(room.rv), users: { [BOB]: 100 } }))).toEqual(denied('power_levels: users lists a room creator'));
    expect(room.try(pl(ALICE, { ...defaultPowerLevels(room.rv), users: { [CAROL]: 100 } }))).toEqual({ allowed: true });
  });

  test('a PL-100 user cannot kick or ban a creator; a creator can kick them', () => {
    const room = TestRoom.start(version, { createContent: { additional_creators: [BOB] }, powerLevels: { ...defaultPowerLevels(getRoomVersion('12')), users: { [CAROL]: 100 } } });
    room.join(BOB);
    room.join(CAROL);
    expect(room.try({ type: 'm.room.member', sender: CAROL, stateKey: BOB, content: { membership: 'ban' } })).toEqual(denied(/^ban: sender cannot ban/));
    expect(room.try({ type: 'm.room.member', sender: BOB, stateKey: CAROL, content: { membership: 'leave' } })).toEqual({ allowed: true });
    // Creators cannot kick each other either: infinity is not below infinity.
    expect(room.try({ type: 'm.room.member', sender: BOB, stateKey: ALICE, content: { membership: 'leave' } })).toEqual(denied(/^leave: sender cannot kick/));
  });

  test("only the create event's sender gets the first-join exception, not additional creators", () => {
    const room = TestRoom.start(version, { createContent: { additional_creators: [BOB] }, powerLevels: null, joinRule: null });
    const bobFirst = room.build({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join' }, prevEvents: [room.create] });
    expect(room.check(bobFirst)).toEqual(denied('join: join_rule is invite and sender is not invited'));
  });
});

describe.each([['1'], ['10'], ['11']])('the creator before v12, room version %s', (version) => {
  test(version === '11' ? 'v11: the create sender is the creator' : 'v1–v10: content.creator is the creator', () => {
    const room = TestRoom.start(version, { createContent: version === '11' ? {} : { creator: ALICE }, powerLevels: null });
    expect([...roomCreators(room.create, version)]).toEqual([ALICE]);
    expect(powerLevelOf(ALICE, undefined, room.create, version)).toBe(100);
  });
});

describe.each([['1'], ['9']])('malformed levels before v10, room version %s', (version) => {
  test('a named level that is not an integer string rejects the event that needs it', () => {
    const room = TestRoom.start(version);
    const base = defaultPowerLevels(getRoomVersion(version));
    expect(room.try(pl(ALICE, { ...base, ban: 'lots' }))).toEqual(denied('power_levels: ban is not a valid power level'));
    // The first power-levels event is not compared, so it can carry the bad value; the ban check then fails.
    const fresh = TestRoom.start(version, { powerLevels: { ...base, ban: 'lots' } });
    fresh.join(BOB);
    expect(fresh.try({ type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'ban' } })).toEqual(denied('power_levels: ban is not a valid power level'));
  });
});
