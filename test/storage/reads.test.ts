// Reads: stored events, auth chains, /get_missing_events and /backfill walks, redactions, and the small repositories.
import { toRoomEvent } from '../../src/protocol/room-event';
import type { Pdu } from '../../src/protocol/pdu';
import { NotFoundInStorage, openStorage, Storage } from '../../src/storage';
import { MinimalRoom } from './support/minimal-room';
import type { RoomEvent } from '../../src/protocol/room-event';

describe.each([['1'], ['4'], ['10'], ['12']])('room version %s', (version) => {
  let s: Storage;
  let dag: MinimalRoom;
  let chain: RoomEvent[];
  beforeEach(() => {
    s = openStorage(':memory:');
    dag = new MinimalRoom(version);
    chain = [dag.create, dag.join];
    for (let i = 0; i < 8; i++) chain.push(dag.message([chain[chain.length - 1]]));
    s.persistEvents(chain.map((event) => ({ event, receivedTs: 42 })));
  });
  afterEach(() => s.close());

  test('getEvent returns the event as stored, with its flags', () => {
    const got = s.getEvent(chain[3].eventId);
    expect(got).toMatchObject({ outlier: false, softFailed: false, rejectedReason: undefined, receivedTs: 42 });
    expect(got?.event.eventId).toBe(chain[3].eventId);
    expect(got?.event.pdu).toEqual(chain[3].pdu);
    expect(got?.event.roomVersion.id).toBe(version);
    expect(s.getEvents([chain[2].eventId, '$nope', chain[1].eventId]).map((e) => e.event.eventId)).toEqual([chain[2].eventId, chain[1].eventId]);
    expect(s.hasRoom(dag.roomId)).toBe(true);
    expect(s.roomVersionOf(dag.roomId)).toBe(version);
    expect(s.hasRoom('!other:x')).toBe(false);
  });

  test('what storage does not hold is a storage error naming what is missing, not an HTTP error', () => {
    const outlier = dag.message([chain[chain.length - 1]]);
    s.persistEvents([{ event: outlier, outlier: true }]);
    const missing = (read: () => unknown) => {
      try {
        read();
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    };
    for (const [read, kind, id] of [
      [() => s.getStateAfter('$nope'), 'event', '$nope'],
      [() => s.getStateBefore(outlier.eventId), 'outlier-state', outlier.eventId],
      [() => s.getCurrentState('!other:x'), 'room', '!other:x'],
    ] as const) {
      const error = missing(read);
      expect(error).toBeInstanceOf(NotFoundInStorage);
      expect(error).toMatchObject({ kind, id });
      expect(error).not.toHaveProperty('errcode');
      expect(error).not.toHaveProperty('status');
    }
  });

  test('getAuthChain follows auth_events to stored events', () => {
    const expected = version === '12' ? [dag.join.eventId] : [dag.create.eventId, dag.join.eventId].sort();
    expect(s.getAuthChain([chain[5].eventId])).toEqual(expected);
    expect(s.getAuthChain([dag.create.eventId])).toEqual([]);
  });

  test('getMissingEvents walks back from latest, stops at earliest, honours limit and min_depth, oldest first', () => {
    const got = s.getMissingEvents(dag.roomId, [chain[3].eventId], [chain[9].eventId], 10, 0).map((e) => e.eventId);
    expect(got).toEqual(chain.slice(4, 9).map((e) => e.eventId));
    const limited = s.getMissingEvents(dag.roomId, [], [chain[9].eventId], 2, 0).map((e) => e.eventId);
    expect(limited).toEqual([chain[7].eventId, chain[8].eventId]);
    const deep = s.getMissingEvents(dag.roomId, [], [chain[9].eventId], 20, chain[6].depth).map((e) => e.eventId);
    expect(deep).toEqual(chain.slice(6, 9).map((e) => e.eventId));
  });

  test('backfill returns the given events and their predecessors, deepest first', () => {
    expect(s.backfill(dag.roomId, [chain[6].eventId], 3).map((e) => e.eventId)).toEqual([chain[6], chain[5], chain[4]].map((e) => e.eventId));
    expect(s.backfill(dag.roomId, [chain[2].eventId], 100).map((e) => e.eventId)).toEqual([chain[2], chain[1], chain[0]].map((e) => e.eventId));
  });
});

test('backfill across a fork goes by depth', () => {
  const s = openStorage(':memory:');
  const dag = new MinimalRoom('10');
  const a = dag.message([dag.join]);
  const b1 = dag.message([a]);
  const b2 = dag.message([b1]);
  const c1 = dag.message([a]);
  const m = dag.message([b2, c1]);
  s.persistEvents([dag.create, dag.join, a, b1, b2, c1, m].map((event) => ({ event })));
  const got = s.backfill(dag.roomId, [m.eventId], 4).map((e) => e.eventId);
  // depths: m 5, b2 4, b1 and c1 both 3 (either order); a (2) does not fit in the limit.
  expect(got.slice(0, 2)).toEqual([m.eventId, b2.eventId]);
  expect(got.slice(2).sort()).toEqual([b1.eventId, c1.eventId].sort());
  s.close();
});

test('redactions are recorded, even before their target arrives', () => {
  const s = openStorage(':memory:');
  const dag = new MinimalRoom('11');
  const target = dag.message([dag.join]);
  const redaction = dag.factory.build({ type: 'm.room.redaction', sender: dag.join.sender, content: {}, redacts: target.eventId, prevEvents: [dag.join], authEvents: [dag.create, dag.join], roomId: dag.roomId });
  s.persistEvents([{ event: dag.create }, { event: dag.join }, { event: redaction }]);
  expect(s.getEvent(target.eventId)).toBeUndefined();
  expect(s.getRedactionsOf(target.eventId).map((r) => r.event.eventId)).toEqual([redaction.eventId]);
  s.close();
});

test('an auth chain of 30,000 events is walked without recursion', () => {
  const s = openStorage(':memory:');
  const roomId = '!deep:test.local';
  const events: RoomEvent[] = [];
  for (let i = 0; i < 30000; i++) {
    const pdu = { room_id: roomId, type: 'm.room.member', state_key: `@u${i}:x`, sender: `@u${i}:x`, content: { membership: 'join' }, depth: i, origin_server_ts: i,
      prev_events: i === 0 ? [] : [`$e${i - 1}`], auth_events: i === 0 ? [] : [`$e${i - 1}`], hashes: { sha256: 'x' }, signatures: {} } as unknown as Pdu;
    events.push(toRoomEvent(pdu, '10', { validate: false, eventId: `$e${i}` }));
  }
  s.persistEvents(events.map((event) => ({ event, outlier: true })));
  expect(s.getAuthChain(['$e29999']).length).toBe(29999);
  s.close();
});

test('received transactions, server keys and own signing keys', () => {
  const s = openStorage(':memory:');
  expect(s.transactions.getResponse('a.example', 't1')).toBeUndefined();
  s.transactions.record('a.example', 't1', { pdus: { $x: {} } });
  s.transactions.record('a.example', 't1', { pdus: { $y: {} } });
  expect(s.transactions.getResponse('a.example', 't1')).toEqual({ pdus: { $x: {} } });
  expect(s.transactions.getResponse('b.example', 't1')).toBeUndefined();

  s.serverKeys.put({ serverName: 'a.example', keyId: 'ed25519:1', publicKey: 'pk1', validUntilTs: 10, expiredTs: null, fetchedTs: 1 });
  s.serverKeys.put({ serverName: 'a.example', keyId: 'ed25519:1', publicKey: 'pk1', validUntilTs: 20, expiredTs: null, fetchedTs: 2 });
  s.serverKeys.put({ serverName: 'a.example', keyId: 'ed25519:0', publicKey: 'pk0', validUntilTs: 5, expiredTs: 5, fetchedTs: 2 });
  expect(s.serverKeys.get('a.example', 'ed25519:1')).toEqual({ serverName: 'a.example', keyId: 'ed25519:1', publicKey: 'pk1', validUntilTs: 20, expiredTs: null, fetchedTs: 2 });
  expect(s.serverKeys.forServer('a.example').map((k) => k.keyId)).toEqual(['ed25519:0', 'ed25519:1']);

  s.signingKeys.add({ keyId: 'ed25519:a', seed: 'seedA', createdTs: 1 });
  s.signingKeys.add({ keyId: 'ed25519:b', seed: 'seedB', createdTs: 2 });
  expect(s.signingKeys.active()?.keyId).toBe('ed25519:b');
  s.signingKeys.retire('ed25519:b', 3);
  expect(s.signingKeys.active()?.keyId).toBe('ed25519:a');
  expect(s.signingKeys.all().map((k) => [k.keyId, k.retiredTs])).toEqual([['ed25519:a', null], ['ed25519:b', 3]]);
  s.close();
});
