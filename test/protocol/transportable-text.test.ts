// Lone surrogates and NUL in event types and IDs are refused: Python's canonicaljson (Synapse) cannot
// encode them, so such an event would be accepted by some servers and not by others.
import { isTransportableText } from '../../src/protocol/identifiers';
import { validatePdu } from '../../src/protocol/pdu';
import { ROOM_VERSION_IDS, getRoomVersion } from '../../src/protocol/room-versions';

test('isTransportableText: paired surrogates pass, lone ones and NUL do not', () => {
  expect(isTransportableText('m.room.message')).toBe(true);
  expect(isTransportableText('emoji \ud83d\ude00 ok')).toBe(true);
  expect(isTransportableText('\ud800')).toBe(false);
  expect(isTransportableText('a\udc00b')).toBe(false);
  expect(isTransportableText('\ude00\ud83d')).toBe(false); // low before high: both lone
  expect(isTransportableText('a\u0000b')).toBe(false);
});

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  const rv = getRoomVersion(version);
  const ref = (id: string) => (rv.referencesAreHashPairs ? [id, { sha256: 'x' }] : id);

  function pdu(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      room_id: '!room:example.org',
      sender: '@alice:example.org',
      origin_server_ts: 1,
      type: 'm.room.message',
      content: {},
      prev_events: [ref('$prev:example.org')],
      auth_events: [ref('$auth:example.org')],
      depth: 2,
      hashes: { sha256: 'x' },
      signatures: {},
      ...(rv.eventIdFormat === 'server-assigned' ? { event_id: '$e:example.org' } : {}),
      ...extra,
    };
  }

  test('a well-formed PDU with an astral character in its type passes', () => {
    expect(() => validatePdu(pdu({ type: 'x.\ud83d\ude00', state_key: '\ud83d\ude00' }), version)).not.toThrow();
  });

  test.each([
    ['type', { type: 'm.room.\ud800' }],
    ['type', { type: 'm.room\u0000message' }],
    ['state_key', { state_key: '\udfff' }],
    ['sender', { sender: '@a\ud800:example.org' }],
    ['room_id', { room_id: '!r\u0000:example.org' }],
    ['prev_events[0]', { prev_events: [ref('$p\ud800:example.org')] }],
    ['auth_events[0]', { auth_events: [ref('$a\u0000')] }],
    ['redacts', { redacts: '$x\udc00' }],
    ['content.redacts', { type: 'm.room.redaction', content: { redacts: '$x\u0000' } }],
  ])('%s with a lone surrogate or NUL is refused', (field, extra) => {
    expect(() => validatePdu(pdu(extra), version)).toThrow(/lone surrogate or NUL/);
    try {
      validatePdu(pdu(extra), version);
    } catch (e) {
      expect((e as Error).message).toContain(field);
    }
  });

  test('the same characters in a message body are left alone (content is not an identifier)', () => {
    expect(() => validatePdu(pdu({ content: { body: 'NUL \u0000 here' } }), version)).not.toThrow();
  });
});
