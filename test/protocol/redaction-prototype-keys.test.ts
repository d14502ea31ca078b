// Event types that name Object.prototype members (`constructor`, `toString`, `__proto__`) redact like any unknown type.
import { redactEvent } from '../../src/protocol/redaction';
import { getRoomVersion } from '../../src/protocol/room-versions';

describe.each(['1', '6', '11', '12'])('room version %s', (version) => {
  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('type %s keeps no content', (type) => {
    const event = { type, room_id: '!r:a.test', sender: '@a:a.test', content: { body: 'x', membership: 'join' }, depth: 3 };
    const redacted = redactEvent(event as never, getRoomVersion(version)) as unknown as Record<string, unknown>;
    expect(redacted.content).toEqual({});
    expect(redacted.type).toBe(type);
  });
});
