// m.federate, the v1–v5 m.room.aliases rule, and the v1–v2 redaction rule (gone from v3).
import { getRoomVersion, ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { ALICE, BOB, defaultPowerLevels, REMOTE, TestRoom } from './support/test-room';

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  const rv = getRoomVersion(version);

  test('m.federate false keeps out senders from other servers', () => {
    const closed = TestRoom.start(version, { createContent: { 'm.federate': false } });
    const join = { type: 'm.room.member', sender: REMOTE, stateKey: REMOTE, content: { membership: 'join' } };
    expect(closed.try(join)).toEqual({ allowed: false, reason: 'federate: room is not federated and sender is from another server' });
    expect(closed.try({ ...join, sender: BOB, stateKey: BOB })).toEqual({ allowed: true });
    expect(TestRoom.start(version, { createContent: { 'm.federate': true } }).try(join)).toEqual({ allowed: true });
  });

  if (rv.specialCaseAliasesAuth) {
    test('v1–v5: m.room.aliases is allowed when the state_key is the sender\'s server, even for non-members', () => {
      const room = TestRoom.start(version);
      expect(room.try({ type: 'm.room.aliases', sender: BOB, stateKey: 'test.local', content: { aliases: ['#a:test.local'] } })).toEqual({ allowed: true });
      expect(room.try({ type: 'm.room.aliases', sender: ALICE, stateKey: 'remote.example', content: { aliases: [] } })).toEqual({
        allowed: false,
        reason: "aliases: state_key is not the sender's server",
      });
      expect(room.try({ type: 'm.room.aliases', sender: ALICE, content: { aliases: [] } })).toEqual({ allowed: false, reason: 'aliases: no state_key' });
    });
  } else {
    test('v6+: m.room.aliases follows the ordinary rules', () => {
      const room = TestRoom.start(version);
      expect(room.try({ type: 'm.room.aliases', sender: BOB, stateKey: 'test.local', content: { aliases: [] } })).toEqual({ allowed: false, reason: 'sender: not joined to the room' });
      room.join(BOB);
      expect(room.try({ type: 'm.room.aliases', sender: BOB, stateKey: 'test.local', content: { aliases: [] } })).toEqual({
        allowed: false,
        reason: 'power: m.room.aliases needs power level 50, sender has 0',
      });
    });
  }

  const special = rv.eventIdFormat === 'server-assigned';
  test(special ? 'v1–v2: redactions need the redact level or a same-server target' : 'v3+: redactions are not checked against the redact level', () => {
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), redact: 50 } });
    room.join(BOB);
    const target = room.send({ type: 'm.room.message', sender: ALICE, content: { body: 'x' } });
    const redaction = (redacts: string, sender = BOB) => ({ type: 'm.room.redaction', sender, content: {}, redacts });
    const foreign = special ? '$1-1:remote.example' : '$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(room.try(redaction(target.eventId))).toEqual({ allowed: true });
    expect(room.try(redaction(foreign))).toEqual(
      special ? { allowed: false, reason: 'redaction: sender is below the redact level and the redacted event is from another server' } : { allowed: true },
    );
    expect(room.try(redaction(foreign, ALICE))).toEqual({ allowed: true });
  });

  test('redactions are still subject to the events level', () => {
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), events: { 'm.room.redaction': 10 } } });
    room.join(BOB);
    const target = room.send({ type: 'm.room.message', sender: BOB, content: { body: 'x' } });
    expect(room.try({ type: 'm.room.redaction', sender: BOB, content: {}, redacts: target.eventId })).toEqual({
      allowed: false,
      reason: 'power: m.room.redaction needs power level 10, sender has 0',
    });
  });
});
