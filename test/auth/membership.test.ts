// The m.room.member rules: join, invite, leave, kick, ban, unban, knock, restricted and knock_restricted joins.
import { verifyJson } from '../../src/crypto/sign-json';
import { redactEvent } from '../../src/protocol/redaction';
import { RoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion, ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { ALICE, BOB, CAROL, coSign, DAVE, defaultPowerLevels, OTHER_PUBLIC_KEY, OTHER_SEED, TestRoom } from './support/test-room';

const VERSIONS = ROOM_VERSION_IDS.map((v) => [v]);
const member = (sender: string, target: string, membership: string, extra: Record<string, unknown> = {}) => ({
  type: 'm.room.member',
  sender,
  stateKey: target,
  content: { membership, ...extra } as never,
});
const denied = (reason: string | RegExp) => ({ allowed: false, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });
const ALLOWED = { allowed: true };

describe.each(VERSIONS)('join, room version %s', (version) => {
  const rv = getRoomVersion(version);

  test("the creator's first join right after the create event is allowed; nobody else's", () => {
    const started = TestRoom.start(version, { powerLevels: null, joinRule: null });
    const creatorJoin = started.events.get([...started.events.keys()][1])!;
    expect(creatorJoin.prevEventIds).toEqual([started.create.eventId]);
    const bobFirst = started.build({ ...member(BOB, BOB, 'join'), prevEvents: [started.create] });
    expect(started.check(bobFirst)).toEqual(denied('join: join_rule is invite and sender is not invited'));
  });

  test('a join for someone else, or by a banned user, is rejected', () => {
    const room = TestRoom.start(version);
    expect(room.try(member(ALICE, BOB, 'join'))).toEqual(denied('join: sender does not match state_key'));
    room.join(BOB);
    room.setMembership(ALICE, BOB, 'ban');
    expect(room.try(member(BOB, BOB, 'join'))).toEqual(denied('join: sender is banned'));
  });

  test('public rooms admit anyone; invite-only rooms need an invite', () => {
    expect(TestRoom.start(version).try(member(BOB, BOB, 'join'))).toEqual(ALLOWED);
    const room = TestRoom.start(version, { joinRule: 'invite' });
    expect(room.try(member(BOB, BOB, 'join'))).toEqual(denied('join: join_rule is invite and sender is not invited'));
    room.setMembership(ALICE, BOB, 'invite');
    expect(room.try(member(BOB, BOB, 'join'))).toEqual(ALLOWED);
  });

  test('no join_rules event means invite; an unknown rule admits nobody', () => {
    expect(TestRoom.start(version, { joinRule: null }).try(member(BOB, BOB, 'join'))).toEqual(denied(/^join: join_rule is invite/));
    expect(TestRoom.start(version, { joinRule: 'private' }).try(member(BOB, BOB, 'join'))).toEqual(denied('join: join_rule "private" does not allow joining'));
  });

  test(`knock join rule ${rv.knockJoinRule ? 'admits invited users (v7+)' : 'is unknown before v7'}`, () => {
    const room = TestRoom.start(version, { joinRule: 'knock' });
    room.setMembership(ALICE, BOB, 'invite');
    expect(room.try(member(BOB, BOB, 'join'))).toEqual(rv.knockJoinRule ? ALLOWED : denied(/does not allow joining/));
  });

  for (const rule of ['restricted', 'knock_restricted']) {
    const supported = rule === 'restricted' ? rv.restrictedJoinRule : rv.knockRestrictedJoinRule;
    if (!supported) {
      test(`${rule} is not a join rule in this version`, () => {
        const room = TestRoom.start(version, { joinRule: rule });
        expect(room.try(member(BOB, BOB, 'join', { join_authorised_via_users_server: ALICE }))).toEqual(denied(`join: join_rule "${rule}" does not allow joining`));
      });
      continue;
    }
    describe(`${rule} join rule`, () => {
      test('invited users join; others need an authoriser', () => {
        const room = TestRoom.start(version, { joinRule: rule });
        expect(room.try(member(BOB, BOB, 'join'))).toEqual(denied(`join: join_rule is ${rule} and there is no join_authorised_via_users_server`));
        room.setMembership(ALICE, BOB, 'invite');
        expect(room.try(member(BOB, BOB, 'join'))).toEqual(ALLOWED);
      });

      test('a joined authoriser with invite power admits the user', () => {
        const room = TestRoom.start(version, { joinRule: rule });
        const join = room.build(member(BOB, BOB, 'join', { join_authorised_via_users_server: ALICE }));
        expect(join.authEventIds.map((id) => room.events.get(id)!.stateKey)).toContain(ALICE);
        expect(room.check(join)).toEqual(ALLOWED);
      });

      test('the authoriser must be joined and able to invite', () => {
        const room = TestRoom.start(version, { joinRule: rule, powerLevels: { ...defaultPowerLevels(rv), invite: 50 } });
        expect(room.try(member(BOB, BOB, 'join', { join_authorised_via_users_server: DAVE }))).toEqual(denied('join: join_authorised_via_users_server is not joined'));
        room.setMembership(ALICE, CAROL, 'invite');
        room.join(CAROL);
        expect(room.try(member(BOB, BOB, 'join', { join_authorised_via_users_server: CAROL }))).toEqual(denied('join: join_authorised_via_users_server cannot invite'));
      });

      test("the event must be signed by the authoriser's server", () => {
        const remote = '@ralph:other.example';
        const room = TestRoom.start(version, { joinRule: 'public', powerLevels: { ...defaultPowerLevels(rv), users: { ...(defaultPowerLevels(rv).users as object), [remote]: 50 } } });
        room.join(remote);
        room.send({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: rule } });
        const unsigned = room.build(member(BOB, BOB, 'join', { join_authorised_via_users_server: remote }));
        expect(room.check(unsigned)).toEqual(denied('member: not signed by the server of join_authorised_via_users_server'));
        const signed = coSign(unsigned, 'other.example', OTHER_SEED);
        // A real verifier: the authorising server's key over the redacted event.
        const isSignedBy = (e: RoomEvent, server: string) =>
          server === 'other.example' && verifyJson(redactEvent(e.pdu as never, rv), server, 'ed25519:other', OTHER_PUBLIC_KEY, { strictIntegers: rv.strictCanonicalJson });
        expect(room.check(signed, { isSignedBy })).toEqual(ALLOWED);
        expect(room.check(unsigned, { isSignedBy })).toEqual(denied(/^member: not signed/));
        expect(room.check(signed)).toEqual(ALLOWED); // default: a signature entry exists
      });
    });
  }
});

describe.each(VERSIONS)('invite, leave, kick, ban, unban, room version %s', (version) => {
  const rv = getRoomVersion(version);

  test('invite: sender joined, target neither joined nor banned, sender at the invite level', () => {
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), invite: 10 } });
    expect(room.try(member(BOB, CAROL, 'invite'))).toEqual(denied('invite: sender is not joined'));
    room.join(BOB);
    expect(room.try(member(BOB, CAROL, 'invite'))).toEqual(denied('invite: sender power level is below the invite level'));
    expect(room.try(member(ALICE, CAROL, 'invite'))).toEqual(ALLOWED);
    expect(room.try(member(ALICE, BOB, 'invite'))).toEqual(denied('invite: target is joined'));
    room.setMembership(ALICE, CAROL, 'ban');
    expect(room.try(member(ALICE, CAROL, 'invite'))).toEqual(denied('invite: target is banned'));
  });

  test('leave: from join and invite (and knock from v7); not from nothing', () => {
    const room = TestRoom.start(version, { joinRule: rv.knockJoinRule ? 'knock' : 'invite' });
    expect(room.try(member(BOB, BOB, 'leave'))).toEqual(denied('leave: sender cannot leave from membership leave'));
    room.setMembership(ALICE, BOB, 'invite');
    expect(room.try(member(BOB, BOB, 'leave'))).toEqual(ALLOWED);
    room.join(BOB);
    expect(room.try(member(BOB, BOB, 'leave'))).toEqual(ALLOWED);
    if (rv.knockJoinRule) {
      room.send(member(CAROL, CAROL, 'knock'));
      expect(room.try(member(CAROL, CAROL, 'leave'))).toEqual(ALLOWED);
    }
  });

  test('kick: sender joined, at the kick level, target strictly below the sender', () => {
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), users: { ...(rv.privilegedCreators ? {} : { [ALICE]: 100 }), [BOB]: 50, [CAROL]: 50 } } });
    room.join(BOB);
    room.join(CAROL);
    room.join(DAVE);
    expect(room.try(member(BOB, DAVE, 'leave'))).toEqual(ALLOWED);
    expect(room.try(member(BOB, CAROL, 'leave'))).toEqual(denied(/^leave: sender cannot kick the target/));
    expect(room.try(member(DAVE, BOB, 'leave'))).toEqual(denied(/^leave: sender cannot kick the target/));
    expect(room.try(member(ALICE, BOB, 'leave'))).toEqual(ALLOWED);
    room.setMembership(BOB, BOB, 'leave');
    expect(room.try(member(BOB, DAVE, 'leave'))).toEqual(denied('leave: sender is not joined'));
  });

  test('ban and unban: the ban level and a target below the sender', () => {
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), ban: 60, kick: 20, users: { ...(rv.privilegedCreators ? {} : { [ALICE]: 100 }), [BOB]: 50 } } });
    room.join(BOB);
    room.join(CAROL);
    expect(room.try(member(BOB, CAROL, 'ban'))).toEqual(denied(/^ban: sender cannot ban/));
    expect(room.try(member(CAROL, BOB, 'ban'))).toEqual(denied(/^ban: sender cannot ban/));
    expect(room.try(member(DAVE, CAROL, 'ban'))).toEqual(denied('ban: sender is not joined'));
    room.setMembership(ALICE, CAROL, 'ban');
    // Bob may kick (20) but not ban (60), so he cannot unban either.
    expect(room.try(member(BOB, CAROL, 'leave'))).toEqual(denied('leave: sender power level is below the ban level to unban'));
    expect(room.try(member(ALICE, CAROL, 'leave'))).toEqual(ALLOWED);
    expect(room.try(member(CAROL, CAROL, 'leave'))).toEqual(denied('leave: sender cannot leave from membership ban'));
  });

  test('no state_key, no membership, or an unknown membership is rejected', () => {
    const room = TestRoom.start(version);
    expect(room.try({ type: 'm.room.member', sender: BOB, content: { membership: 'join' } })).toEqual(denied('member: no state_key'));
    expect(room.try({ type: 'm.room.member', sender: BOB, stateKey: BOB, content: {} })).toEqual(denied('member: content has no membership'));
    expect(room.try(member(BOB, BOB, 'dance'))).toEqual(denied('member: unknown membership "dance"'));
  });
});

describe.each(VERSIONS)('knock, room version %s', (version) => {
  const rv = getRoomVersion(version);
  if (!rv.knockJoinRule) {
    test('knock is not a membership before v7', () => {
      expect(TestRoom.start(version, { joinRule: 'knock' }).try(member(BOB, BOB, 'knock'))).toEqual(denied('member: knock is not a membership in this room version'));
    });
    return;
  }

  test('knocking needs the knock rule (knock_restricted from v10), oneself, and no ban/invite/join', () => {
    expect(TestRoom.start(version, { joinRule: 'public' }).try(member(BOB, BOB, 'knock'))).toEqual(denied('knock: join_rule "public" does not allow knocking'));
    const restricted = TestRoom.start(version, { joinRule: 'knock_restricted' }).try(member(BOB, BOB, 'knock'));
    expect(restricted).toEqual(rv.knockRestrictedJoinRule ? ALLOWED : denied('knock: join_rule "knock_restricted" does not allow knocking'));
    const room = TestRoom.start(version, { joinRule: 'knock' });
    expect(room.try(member(BOB, BOB, 'knock'))).toEqual(ALLOWED);
    expect(room.try(member(ALICE, BOB, 'knock'))).toEqual(denied('knock: sender does not match state_key'));
    room.setMembership(ALICE, BOB, 'invite');
    expect(room.try(member(BOB, BOB, 'knock'))).toEqual(denied('knock: sender membership is invite'));
    room.setMembership(ALICE, CAROL, 'ban');
    expect(room.try(member(CAROL, CAROL, 'knock'))).toEqual(denied('knock: sender membership is ban'));
  });
});
