// Rule 1 (the create event) and the auth events selection, per room version.
import { authEventTypes, checkAuthRules, checkEventAuth, selectAuthEvents } from '../../src/auth';
import { getRoomVersion, ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { signEvent } from '../../src/crypto/event-signing';
import { Pdu } from '../../src/protocol/pdu';
import { toRoomEvent } from '../../src/protocol/room-event';
import { EventFactory, TEST_SEED } from '../../src/testing/event-factory';
import { ALICE, BOB, CAROL, TestRoom } from './support/test-room';

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('create event, room version %s', (version) => {
  const rv = getRoomVersion(version);
  const factory = new EventFactory({ roomVersion: version });
  const roomId = rv.roomIdFromCreateEvent ? undefined : '!room:test.local';
  const base = { room_version: version, ...(rv.implicitRoomCreator ? {} : { creator: ALICE }) };
  const create = (content: Record<string, unknown> = base, extra: Record<string, unknown> = {}, sender = ALICE, prevEvents: string[] = []) =>
    factory.build({ type: 'm.room.create', sender, stateKey: '', content: content as never, roomId, extra, prevEvents });

  test('a well-formed create event is allowed by both entry points', () => {
    const event = create();
    expect(checkEventAuth(event, [], version)).toEqual({ allowed: true });
    expect(checkAuthRules(event, new Map(), version)).toEqual({ allowed: true });
  });

  test('prev_events reject it', () => {
    const prev = rv.referencesAreHashPairs ? [] : ['$somewhere'];
    if (prev.length === 0) return; // v1/v2 references need built events; the v3+ runs cover the rule
    expect(checkEventAuth(create(base, {}, ALICE, prev), [], version)).toEqual({ allowed: false, reason: 'create: has prev_events' });
  });

  test('an unrecognised room_version rejects it', () => {
    expect(checkEventAuth(create({ ...base, room_version: '99' }), [], version)).toEqual({ allowed: false, reason: 'create: unrecognised room_version' });
    expect(checkEventAuth(create({ ...base, room_version: 5 }), [], version).allowed).toBe(false);
  });

  if (!rv.roomIdFromCreateEvent) {
    test('v1–v11: the room_id domain must match the sender domain', () => {
      expect(checkEventAuth(create(base, {}, '@alice:elsewhere.example'), [], version)).toEqual({ allowed: false, reason: 'create: room_id domain does not match sender domain' });
    });
  }

  if (!rv.implicitRoomCreator) {
    test('v1–v10: content.creator is required', () => {
      expect(checkEventAuth(create({ room_version: version }), [], version)).toEqual({ allowed: false, reason: 'create: content has no creator' });
    });
  } else {
    test('v11+: no creator needed; the sender is the creator and joins first', () => {
      expect(checkEventAuth(create({ room_version: version }), [], version)).toEqual({ allowed: true });
      const room = TestRoom.start(version);
      expect(room.state.size).toBeGreaterThan(0);
    });
  }

  if (rv.privilegedCreators) {
    test('v12: a room_id on the create event rejects it', () => {
      // validatePdu refuses this shape already; the auth rule must hold on its own, so skip validation.
      const pdu = signEvent({ ...create().pdu, room_id: '!x:test.local' } as unknown as Record<string, unknown>, rv, 'test.local', 'ed25519:test', TEST_SEED);
      const withRoomId = toRoomEvent(pdu as unknown as Pdu, rv, { validate: false });
      expect(checkEventAuth(withRoomId, [], version)).toEqual({ allowed: false, reason: 'create: has a room_id (v12 derives it from the event)' });
    });

    test('v12: additional_creators must be an array of user IDs', () => {
      expect(checkEventAuth(create({ ...base, additional_creators: [BOB, CAROL] }), [], version)).toEqual({ allowed: true });
      for (const bad of [BOB, [BOB, 'not-a-user'], [42]]) {
        expect(checkEventAuth(create({ ...base, additional_creators: bad }), [], version)).toEqual({ allowed: false, reason: 'create: additional_creators is not an array of user IDs' });
      }
    });
  } else {
    test('before v12: additional_creators is not checked', () => {
      expect(checkEventAuth(create({ ...base, additional_creators: 'nonsense' }), [], version)).toEqual({ allowed: true });
    });
  }
});

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('auth events selection, room version %s', (version) => {
  const rv = getRoomVersion(version);
  const create: Array<[string, string]> = rv.roomIdFromCreateEvent ? [] : [['m.room.create', '']];

  test('create events cite nothing; others cite create (not v12), power levels and the sender', () => {
    expect(authEventTypes({ type: 'm.room.create', sender: ALICE, stateKey: '', content: {} }, version)).toEqual([]);
    expect(authEventTypes({ type: 'm.room.message', sender: ALICE, content: {} }, version)).toEqual([
      ...create,
      ['m.room.power_levels', ''],
      ['m.room.member', ALICE],
    ]);
  });

  test('member events add the target, join rules, third-party invite token and authoriser', () => {
    const invite = authEventTypes({ type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'invite', third_party_invite: { signed: { token: 'tok', mxid: BOB } } } }, version);
    expect(invite).toEqual([...create, ['m.room.power_levels', ''], ['m.room.member', ALICE], ['m.room.member', BOB], ['m.room.join_rules', ''], ['m.room.third_party_invite', 'tok']]);
    const leave = authEventTypes({ type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'leave' } }, version);
    expect(leave).toEqual([...create, ['m.room.power_levels', ''], ['m.room.member', ALICE], ['m.room.member', BOB]]);
    const selfJoin = authEventTypes({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join', join_authorised_via_users_server: CAROL } }, version);
    expect(selfJoin).toEqual([
      ...create,
      ['m.room.power_levels', ''],
      ['m.room.member', BOB],
      ['m.room.join_rules', ''],
      ...(rv.restrictedJoinRule ? [['m.room.member', CAROL]] : []),
    ]);
    const knock = authEventTypes({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'knock' } }, version);
    expect(knock.some(([t]) => t === 'm.room.join_rules')).toBe(rv.knockJoinRule);
  });

  test('selectAuthEvents picks the IDs from the state, skipping what is absent', () => {
    const room = TestRoom.start(version);
    const ids = selectAuthEvents({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: { membership: 'join' } }, room.stateMap(), version);
    const types = ids.map((id) => room.events.get(id)!.type);
    expect(types).toEqual([...(rv.roomIdFromCreateEvent ? [] : ['m.room.create']), 'm.room.power_levels', 'm.room.join_rules']);
  });
});
