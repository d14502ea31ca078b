// A 100,000-event auth chain: every walk is iterative, so resolution neither overflows the stack nor goes quadratic.
import { Pdu } from '../../src/protocol/pdu';
import { RoomEvent, toRoomEvent } from '../../src/protocol/room-event';
import { resolveState, stateKey, StateMap } from '../../src/state';

const ALICE = '@alice:test.local';
const ROOM = '!deep:test.local';
const LENGTH = 100_000;

/**
 * Unsigned events built directly (signing 100,000 events would take most of a minute, and state
 * resolution never looks at signatures); the IDs are assigned, the shapes are real v10 PDUs.
 */
function event(id: string, type: string, stateKeyValue: string, content: Record<string, unknown>, auth: string[], depth: number): RoomEvent {
  const pdu = { room_id: ROOM, sender: ALICE, type, state_key: stateKeyValue, content, prev_events: [], auth_events: auth, depth, origin_server_ts: 1_700_000_000_000 + depth, hashes: { sha256: '' }, signatures: {} } as unknown as Pdu;
  return toRoomEvent(pdu, '10', { validate: false, eventId: id });
}

describe('a 100,000-event power levels chain', () => {
  const events = new Map<string, RoomEvent>();
  const add = (e: RoomEvent) => events.set(e.eventId, e);
  add(event('$create', 'm.room.create', '', { creator: ALICE, room_version: '10' }, [], 0));
  add(event('$join', 'm.room.member', ALICE, { membership: 'join' }, ['$create'], 1));
  for (let i = 1; i <= LENGTH; i++) {
    add(event(`$pl${i}`, 'm.room.power_levels', '', { users: { [ALICE]: 100 }, n: i }, ['$create', '$join', ...(i > 1 ? [`$pl${i - 1}`] : [])], i + 1));
  }
  // Two topics, one based on the newest power levels and one on the oldest: the mainline walk spans the chain.
  add(event('$topicNew', 'm.room.topic', '', { topic: 'new' }, ['$create', '$join', `$pl${LENGTH}`], LENGTH + 2));
  add(event('$topicOld', 'm.room.topic', '', { topic: 'old' }, ['$create', '$join', '$pl1'], 3));

  const base: [string, string][] = [
    [stateKey('m.room.create', ''), '$create'],
    [stateKey('m.room.member', ALICE), '$join'],
  ];
  const newer: StateMap = new Map([...base, [stateKey('m.room.power_levels', ''), `$pl${LENGTH}`], [stateKey('m.room.topic', ''), '$topicNew']]);
  const older: StateMap = new Map([...base, [stateKey('m.room.power_levels', ''), '$pl1'], [stateKey('m.room.topic', ''), '$topicOld']]);

  it.each(['10', '12'])('resolves with algorithm of room version %s', async (version) => {
    // The v12 run reuses the v10-shaped events: only the algorithm's flags (subgraph, empty start) matter here.
    const resolved = await resolveState(version === '12' ? { ...events.get('$create')!.roomVersion, stateResolution: 'v2.1' } : version, [older, newer], (id) => events.get(id));
    expect(resolved.get(stateKey('m.room.power_levels', ''))).toBe(`$pl${LENGTH}`);
    expect(resolved.get(stateKey('m.room.topic', ''))).toBe('$topicNew');
  }, 60_000);
});
