// Redaction, content and reference hashes, event IDs and v12 room IDs, for every room version.
import { decodeBase64, decodeBase64Url } from '../../src/protocol/base64';
import { canonicalJson } from '../../src/protocol/canonical-json';
import { computeEventId, contentHash, referenceHash, roomIdFromCreateEvent } from '../../src/protocol/hashes';
import { redactEvent } from '../../src/protocol/redaction';
import { toRoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion, ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { Pdu, validatePdu } from '../../src/protocol/pdu';
import { hasValidContentHash, signEvent, verifyEventSignatures } from '../../src/crypto/event-signing';
import { EventFactory } from '../../src/testing/event-factory';
import { createHash } from 'node:crypto';

function basePdu(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const rv = getRoomVersion(version);
  const pdu: Record<string, unknown> = {
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    origin_server_ts: 1_700_000_000_000,
    type: 'm.room.message',
    content: { body: 'hello', msgtype: 'm.text' },
    prev_events: [],
    auth_events: [],
    depth: 5,
    hashes: { sha256: 'placeholder' },
    signatures: {},
    unsigned: { age: 5 },
    ...extra,
  };
  if (rv.eventIdFormat === 'server-assigned') pdu.event_id = '$abc:example.org';
  return pdu;
}

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  const rv = getRoomVersion(version);

  test('redaction keeps exactly the version\'s top-level keys and drops unsigned', () => {
    const redacted = redactEvent(basePdu(version, { origin: 'example.org', membership: 'join', prev_state: [], extra: 1 }), version);
    expect(redacted).not.toHaveProperty('unsigned');
    expect(redacted).not.toHaveProperty('extra');
    expect(redacted.content).toEqual({});
    const v11 = rv.redaction === 'v11';
    expect('origin' in redacted).toBe(!v11);
    expect('membership' in redacted).toBe(!v11);
    expect('prev_state' in redacted).toBe(!v11);
    for (const key of ['room_id', 'sender', 'origin_server_ts', 'type', 'prev_events', 'auth_events', 'depth', 'hashes', 'signatures']) {
      expect(redacted).toHaveProperty(key);
    }
  });

  test('redaction of content per event type', () => {
    const redact = (type: string, content: Record<string, unknown>) => redactEvent(basePdu(version, { type, state_key: '', content }), version).content;
    expect(redact('m.room.member', { membership: 'join', displayname: 'A', join_authorised_via_users_server: '@x:y', third_party_invite: { signed: { a: 1 }, display_name: 'x' } })).toEqual({
      membership: 'join',
      ...(rv.restrictedJoinRuleFix ? { join_authorised_via_users_server: '@x:y' } : {}),
      ...(rv.redaction === 'v11' ? { third_party_invite: { signed: { a: 1 } } } : {}),
    });
    expect(redact('m.room.create', { creator: '@a:b', 'm.federate': false, room_version: version })).toEqual(
      rv.redaction === 'v11' ? { creator: '@a:b', 'm.federate': false, room_version: version } : { creator: '@a:b' },
    );
    expect(redact('m.room.join_rules', { join_rule: 'restricted', allow: [] })).toEqual(
      rv.restrictedJoinRule ? { join_rule: 'restricted', allow: [] } : { join_rule: 'restricted' },
    );
    expect(redact('m.room.power_levels', { ban: 50, invite: 0, notifications: { room: 50 }, users: {} })).toEqual(
      rv.redaction === 'v11' ? { ban: 50, invite: 0, users: {} } : { ban: 50, users: {} },
    );
    expect(redact('m.room.aliases', { aliases: ['#a:b'] })).toEqual(rv.redaction === 'v1' ? { aliases: ['#a:b'] } : {});
    expect(redact('m.room.history_visibility', { history_visibility: 'shared', x: 1 })).toEqual({ history_visibility: 'shared' });
    expect(redact('m.room.redaction', { redacts: '$x', reason: 'r' })).toEqual(rv.redaction === 'v11' ? { redacts: '$x' } : {});
  });

  test('a member event\'s third_party_invite without `signed` is kept as {} from v11 (as Synapse and Ruma do)', () => {
    const redact = (content: Record<string, unknown>) => redactEvent(basePdu(version, { type: 'm.room.member', state_key: '@b:example.org', content }), version).content;
    const v11 = rv.redaction === 'v11';
    expect(redact({ membership: 'join', third_party_invite: { display_name: 'x' } })).toEqual(v11 ? { membership: 'join', third_party_invite: {} } : { membership: 'join' });
    // Not an object: nothing to keep in any version.
    expect(redact({ membership: 'join', third_party_invite: 'x' })).toEqual({ membership: 'join' });
    // The event ID is a hash of the redacted form, so the {} changes it.
    const withEmpty = { ...basePdu(version, { type: 'm.room.member', state_key: '@b:example.org', content: { membership: 'join', third_party_invite: { display_name: 'x' } } }) };
    const without = { ...basePdu(version, { type: 'm.room.member', state_key: '@b:example.org', content: { membership: 'join' } }) };
    if (rv.eventIdFormat !== 'server-assigned') expect(computeEventId(withEmpty as never, version) === computeEventId(without as never, version)).toBe(!v11);
  });

  test('redaction does not modify its argument', () => {
    const pdu = basePdu(version);
    const before = JSON.stringify(pdu);
    redactEvent(pdu, version);
    expect(JSON.stringify(pdu)).toBe(before);
  });

  test('content hash is SHA-256 over the event without unsigned, signatures and hashes', () => {
    const pdu = basePdu(version);
    const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = pdu;
    const expected = createHash('sha256').update(canonicalJson(rest)).digest('base64').replace(/=+$/, '');
    expect(contentHash(pdu, version)).toBe(expected);
    expect(contentHash({ ...pdu, unsigned: { other: 1 }, signatures: { x: {} } }, version)).toBe(expected);
    expect(contentHash({ ...pdu, content: { body: 'other' } }, version)).not.toBe(expected);
  });

  test('reference hash ignores non-redactable content and unsigned', () => {
    const pdu = basePdu(version);
    expect(referenceHash({ ...pdu, content: { body: 'different' }, unsigned: {} }, version)).toBe(referenceHash(pdu, version));
    expect(referenceHash({ ...pdu, depth: 6 }, version)).not.toBe(referenceHash(pdu, version));
  });

  test('event ID format', () => {
    const pdu = basePdu(version);
    const id = computeEventId(pdu, version);
    if (rv.eventIdFormat === 'server-assigned') {
      expect(id).toBe('$abc:example.org');
      expect(() => computeEventId({ ...pdu, event_id: undefined }, version)).toThrow('event_id');
    } else {
      const hash = id.slice(1);
      expect(id.startsWith('$')).toBe(true);
      expect(hash).toHaveLength(43);
      const bytes = rv.eventIdFormat === 'base64' ? decodeBase64(hash) : decodeBase64Url(hash);
      expect(Buffer.from(bytes).toString('base64').replace(/=+$/, '')).toBe(referenceHash(pdu, version));
      if (rv.eventIdFormat === 'url-safe-base64') expect(hash).not.toMatch(/[+/]/);
    }
  });

  test('signed events verify, and tampering breaks hash or signature', async () => {
    const factory = new EventFactory({ roomVersion: version });
    const create = factory.build({ type: 'm.room.create', stateKey: '', sender: '@alice:test.local', content: rv.implicitRoomCreator ? { room_version: version } : { creator: '@alice:test.local', room_version: version }, roomId: '!r:test.local' });
    const msg = factory.build({ type: 'm.room.message', sender: '@alice:test.local', content: { body: 'hi' }, prevEvents: [create], authEvents: rv.roomIdFromCreateEvent ? [] : [create], roomId: create.roomId });
    const lookup = (server: string, keyId: string) => (server === factory.serverName && keyId === factory.keyId ? { publicKey: factory.publicKey } : undefined);
    expect(hasValidContentHash(msg.pdu, version)).toBe(true);
    expect(await verifyEventSignatures(msg.pdu, version, lookup)).toEqual({ ok: true });
    const tamperedContent = { ...msg.pdu, content: { body: 'changed' } };
    expect(hasValidContentHash(tamperedContent, version)).toBe(false);
    expect(await verifyEventSignatures(tamperedContent, version, lookup)).toEqual({ ok: true }); // content is not signed
    const tamperedDepth = { ...msg.pdu, depth: msg.pdu.depth + 1 };
    expect((await verifyEventSignatures(tamperedDepth, version, lookup)).ok).toBe(false);
    expect((await verifyEventSignatures(msg.pdu, version, () => undefined)).ok).toBe(false);
    if (rv.referencesAreHashPairs) {
      expect(msg.pdu.prev_events).toEqual([[create.eventId, { sha256: referenceHash(create.pdu, version) }]]);
    } else {
      expect(msg.pdu.prev_events).toEqual([create.eventId]);
    }
    expect(msg.prevEventIds).toEqual([create.eventId]);
  });

  test('the room ID of a create event', () => {
    const factory = new EventFactory({ roomVersion: version });
    const create = factory.build({ type: 'm.room.create', stateKey: '', sender: '@alice:test.local', content: { room_version: version }, roomId: '!r:test.local' });
    if (rv.roomIdFromCreateEvent) {
      expect(create.pdu.room_id).toBeUndefined();
      expect(create.roomId).toBe(roomIdFromCreateEvent(create.pdu, version));
      expect(create.roomId).toBe(`!${create.eventId.slice(1)}`);
      expect(() => validatePdu({ ...create.pdu, room_id: '!x:y' }, version)).toThrow('room_id');
    } else {
      expect(create.roomId).toBe('!r:test.local');
      expect(() => roomIdFromCreateEvent(create.pdu, version)).toThrow();
    }
  });
});

describe('PDU validation', () => {
  test.each(ROOM_VERSION_IDS.map((v) => [v]))('v%s: a well-formed PDU passes and toRoomEvent reads it', (version) => {
    const pdu = basePdu(version);
    expect(() => validatePdu(pdu, version)).not.toThrow();
    const event = toRoomEvent(pdu as Pdu, version);
    expect(event.type).toBe('m.room.message');
    expect(event.stateKey).toBeUndefined();
    expect(event.depth).toBe(5);
  });

  test.each([
    ['missing sender', { sender: undefined }, 'sender'],
    ['a bad sender', { sender: 'alice' }, 'sender'],
    ['content not an object', { content: [] }, 'content'],
    ['a float depth', { depth: 1.5 }, 'depth'],
    ['a negative depth', { depth: -1 }, 'depth'],
    ['a string origin_server_ts', { origin_server_ts: '1' }, 'origin_server_ts'],
    ['a numeric state_key', { state_key: 5 }, 'state_key'],
    ['no hashes', { hashes: undefined }, 'hashes'],
    ['a bad signature map', { signatures: { a: 'x' } }, 'signatures.a'],
    ['an over-long type', { type: 'x'.repeat(256) }, 'type'],
    ['a float in content', { content: { n: 1.5 } }, 'content.n'],
    ['21 prev_events', { prev_events: Array.from({ length: 21 }, (_, i) => `$e${i}`) }, 'prev_events'],
    ['11 auth_events', { auth_events: Array.from({ length: 11 }, (_, i) => `$e${i}`) }, 'auth_events'],
    ['a pair where IDs are expected', { prev_events: [['$a', { sha256: 'x' }]] }, 'prev_events[0]'],
  ])('v10: %s is refused, naming the field', (_what, changes, field) => {
    expect(() => validatePdu(basePdu('10', changes), '10')).toThrow(field);
  });

  test('the 65,536-byte limit applies to the canonical form', () => {
    const big = basePdu('10', { content: { body: 'x'.repeat(65_536) } });
    expect(() => validatePdu(big, '10')).toThrow('limit');
    expect(() => validatePdu(basePdu('10', { content: { body: 'x'.repeat(60_000) } }), '10')).not.toThrow();
  });

  test('floats are tolerated before v6 and refused from v6', () => {
    expect(() => validatePdu(basePdu('5', { content: { n: 1.5 } }), '5')).not.toThrow();
    expect(() => validatePdu(basePdu('6', { content: { n: 1.5 } }), '6')).toThrow('content.n');
  });

  test('v1/v2 need event_id and hash-pair references', () => {
    const withoutId = basePdu('1');
    delete withoutId.event_id;
    expect(() => validatePdu(withoutId, '1')).toThrow('event_id');
    expect(() => validatePdu(basePdu('2', { prev_events: ['$a:b'] }), '2')).toThrow('prev_events[0]');
    expect(() => validatePdu(basePdu('2', { prev_events: [['$a:b', { sha256: 'x' }]] }), '2')).not.toThrow();
  });

  test('an unknown room version is refused with M_UNSUPPORTED_ROOM_VERSION', () => {
    expect(() => validatePdu(basePdu('10'), '99')).toThrow(expect.objectContaining({ errcode: 'M_UNSUPPORTED_ROOM_VERSION' }));
    expect(() => contentHash(basePdu('10'), 'x')).toThrow('Unsupported room version');
  });

  test('signEvent does not mutate its input', () => {
    const pdu = basePdu('10');
    const before = JSON.stringify(pdu);
    signEvent(pdu, '10', 'example.org', 'ed25519:1', 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1');
    expect(JSON.stringify(pdu)).toBe(before);
  });
});
