// DagBuilder against the real server: the DAGs it builds are judged, resolved and bounded by forward
// extremities exactly as dagmar's own ingest does it, across room versions.
import { checkAuthRules, selectAuthEvents } from '../../src/auth';
import { createHomeserver, Homeserver } from '../../src/homeserver';
import { RoomEvent } from '../../src/protocol/room-event';
import { getRoomVersion } from '../../src/protocol/room-versions';
import { checkPdu } from '../../src/crypto/pdu-checks';
import { stateKey, StateMap } from '../../src/protocol/state-map';
import { DagBuilder } from '../../src/testing';

const ALICE = '@alice:a.test';
const BOB = '@bob:a.test';
const CAROL = '@carol:b.test';
const TOPIC = stateKey('m.room.topic', '');

/** The example from issue 14: two topic branches and their merge. */
function forkedTopics(roomVersion: string, seed?: string): DagBuilder {
  const dag = new DagBuilder({ roomVersion, servers: ['a.test'], seed });
  return dag
    .create(ALICE)
    .join(BOB)
    .fork('left', (d) => d.state('m.room.topic', '', { topic: 'L' }))
    .fork('right', (d) => d.state('m.room.topic', '', { topic: 'R' }));
}

/** An in-memory homeserver of another name, so every builder event is a remote one to it. */
async function withServer(work: (hs: Homeserver) => Promise<void>): Promise<void> {
  const hs = createHomeserver({ serverName: 'hs.test', dataDir: ':memory:' });
  try {
    await work(hs);
  } finally {
    await hs.stop();
  }
}

/** Ingests every event in order; returns each event's outcome by ID. */
async function ingestAll(hs: Homeserver, events: readonly RoomEvent[]): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  for (const event of events) outcomes.set(event.eventId, (await hs.rooms.ingestRemoteEvent(event)).status);
  return outcomes;
}

/** Ingests every event the server would not drop and checks it judges each one as the builder did. */
async function expectServerAgrees(hs: Homeserver, dag: DagBuilder): Promise<void> {
  const kept = dag.events().filter((e) => dag.status(dag.name(e.eventId)!).status !== 'dropped');
  const outcomes = await ingestAll(hs, kept);
  expect(kept.map((e) => [dag.name(e.eventId), outcomes.get(e.eventId)])).toEqual(kept.map((e) => [dag.name(e.eventId), dag.status(dag.name(e.eventId)!).status]));
  expect(serverExtremities(hs, dag.roomId)).toEqual([...dag.forwardExtremities().eventIds].sort());
  expect(hs.storage.getCurrentState(dag.roomId)).toEqual(dag.currentState());
}

/** What the server's forward-extremity table holds, sorted. */
function serverExtremities(hs: Homeserver, roomId: string): string[] {
  return hs.storage.getForwardExtremities(roomId).map((x) => x.eventId).sort();
}

/** The auth state the rules read for `event` drawn from `state`: its selected auth events plus the create event. */
function authStateFor(dag: DagBuilder, event: RoomEvent, state: StateMap): Map<string, RoomEvent> {
  const ids = selectAuthEvents({ type: event.type, sender: event.sender, stateKey: event.stateKey, content: event.content }, state, event.roomVersion);
  ids.push(state.get(stateKey('m.room.create', ''))!);
  const byId = new Map(dag.events().map((e) => [e.eventId, e]));
  return new Map(ids.map((id) => byId.get(id)!).map((e) => [stateKey(e.type, e.stateKey!), e]));
}

describe.each([['1'], ['2'], ['3'], ['6'], ['10'], ['11'], ['12']])('room version %s', (version) => {
  test('a fork has two forward extremities, its merge one; the merged state is what the server resolves', async () => {
    const dag = forkedTopics(version);
    await dag.build();
    expect([...dag.forwardExtremities().names].sort()).toEqual(['left', 'right']);
    expect(dag.event('left').prevEventIds).toEqual([dag.eventId(`e5`)]);
    expect(dag.event('right').prevEventIds).toEqual([dag.eventId(`e5`)]);

    await dag.merge('left', 'right', 'M').build();
    expect(dag.forwardExtremities()).toEqual({ names: ['M'], eventIds: [dag.eventId('M')] });
    expect([...dag.event('M').prevEventIds].sort()).toEqual([dag.eventId('left'), dag.eventId('right')].sort());
    expect(dag.event('M').depth).toBe(dag.event('left').depth + 1);
    const winner = dag.stateAt('M').get(TOPIC);
    expect([dag.eventId('left'), dag.eventId('right')]).toContain(winner);
    expect(dag.currentState()).toEqual(dag.stateAt('M'));

    await withServer(async (hs) => {
      const outcomes = await ingestAll(hs, dag.events());
      expect([...outcomes.values()].every((s) => s === 'accepted')).toBe(true);
      expect(serverExtremities(hs, dag.roomId)).toEqual([dag.eventId('M')]);
      expect(hs.storage.getCurrentState(dag.roomId)).toEqual(dag.currentState());
      for (const event of dag.events()) expect(hs.storage.getStateAfter(event.eventId)).toEqual(dag.stateAt(dag.name(event.eventId)!));
      expect(hs.storage.verifyRoom(dag.roomId)).toEqual({ ok: true, problems: [] });
    });
  });

  test('the same seed gives the same event IDs; another seed gives others', async () => {
    const [one, two, other] = [forkedTopics(version, 'c2VlZA'), forkedTopics(version, 'c2VlZA'), forkedTopics(version, 'b3RoZXI')];
    await Promise.all([one.build(), two.build(), other.build()]);
    const ids = (d: DagBuilder) => d.events().map((e) => e.eventId);
    expect(ids(one)).toEqual(ids(two));
    expect(one.events().map((e) => e.pdu)).toEqual(two.events().map((e) => e.pdu));
    expect(ids(one).filter((id) => ids(other).includes(id))).toEqual([]);
    expect(one.roomId).not.toBe(other.roomId);
    expect(one.serverKeys().get('a.test')!.publicKey).not.toBe(other.serverKeys().get('a.test')!.publicKey);
  });

  test('a rejected event fails the auth rules, the server rejects it, and it enters neither state nor extremities', async () => {
    const dag = new DagBuilder({ roomVersion: version, servers: ['a.test'] });
    dag.create(ALICE).join(BOB, { name: 'bob' });
    dag.state('m.room.topic', '', { topic: 'forged' }, { rejected: true, name: 'R' });
    dag.join(BOB, { rejected: true, name: 'R2' }).message('after', { name: 'after' });
    await dag.build();
    for (const name of ['R', 'R2']) {
      expect(dag.status(name).status).toBe('rejected');
      const event = dag.event(name);
      expect(checkAuthRules(event, authStateFor(dag, event, dag.stateAt('bob')), version)).toMatchObject({ allowed: false });
    }
    expect(dag.stateAt('R')).toEqual(dag.stateAt('bob'));
    expect(dag.event('after').prevEventIds).toEqual([dag.eventId('bob')]);
    expect(dag.currentState().get(TOPIC)).toBeUndefined();

    await withServer(async (hs) => {
      const outcomes = await ingestAll(hs, dag.events());
      expect(outcomes.get(dag.eventId('R'))).toBe('rejected');
      expect(outcomes.get(dag.eventId('R2'))).toBe('rejected');
      expect(outcomes.get(dag.eventId('after'))).toBe('accepted');
      expect(serverExtremities(hs, dag.roomId)).toEqual(dag.forwardExtremities().eventIds);
      expect(hs.storage.getCurrentState(dag.roomId)).toEqual(dag.currentState());
    });
  });

  test('a soft-failed event passes at its own state, fails at the current one, and the server soft-fails it', async () => {
    const dag = new DagBuilder({ roomVersion: version, servers: ['a.test'] });
    dag.create(ALICE).join(BOB, { name: 'bob' }).message('too late', { sender: BOB, softFail: true, name: 'S' });
    await dag.build();
    expect(dag.status('S').status).toBe('soft-failed');
    expect(dag.event('S').prevEventIds).toEqual([dag.eventId('bob')]);
    expect(dag.event('S.ban').prevEventIds).toEqual([dag.eventId('bob')]);
    const s = dag.event('S');
    expect(checkAuthRules(s, authStateFor(dag, s, dag.stateAt('bob')), version)).toEqual({ allowed: true });
    expect(checkAuthRules(s, authStateFor(dag, s, dag.currentState()), version)).toMatchObject({ allowed: false });
    expect(dag.forwardExtremities().names).toEqual(['S.ban']);

    // A merge of the ban and the soft-failed event: the ban stays in force.
    await dag.merge('S.ban', 'S', 'M').build();
    expect(dag.currentState().get(stateKey('m.room.member', BOB))).toBe(dag.eventId('S.ban'));

    await withServer(async (hs) => {
      const outcomes = await ingestAll(hs, dag.events());
      expect(outcomes.get(dag.eventId('S'))).toBe('soft-failed');
      expect(outcomes.get(dag.eventId('S.ban'))).toBe('accepted');
      for (const event of dag.events()) expect(hs.storage.getStateAfter(event.eventId)).toEqual(dag.stateAt(dag.name(event.eventId)!));
      expect(serverExtremities(hs, dag.roomId)).toEqual(dag.forwardExtremities().eventIds);
      expect(hs.storage.getCurrentState(dag.roomId)).toEqual(dag.currentState());
    });
  });

  test('leave, invite, ban, nested forks and a three-way merge agree with the server', async () => {
    const dag = new DagBuilder({ roomVersion: version, servers: ['a.test', 'b.test'] });
    dag.create(ALICE).join(BOB).leave(BOB, { name: 'bob.left' }).invite(ALICE, CAROL, { name: 'carol.invited' });
    dag.fork('x', (d) => d.join(CAROL).fork('x1', (e) => e.message('deep')).fork('x2', (e) => e.state('m.room.name', '', { name: 'n' })).merge('x1', 'x2'));
    dag.fork('y', (d) => d.ban(ALICE, BOB, { name: 'bob.banned' }));
    dag.fork('z', (d) => d.event({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'z' } }));
    dag.merge('x', 'y', 'z', { name: 'M3' });
    await dag.build();
    expect([...dag.event('M3').prevEventIds].sort()).toEqual([dag.eventId('x'), dag.eventId('y'), dag.eventId('z')].sort());
    expect(dag.forwardExtremities().names).toEqual(['M3']);
    const current = dag.currentState();
    expect(current.get(stateKey('m.room.member', BOB))).toBe(dag.eventId('bob.banned'));
    expect(dag.event(dag.name(current.get(stateKey('m.room.member', CAROL))!)!).content.membership).toBe('join');
    await withServer(async (hs) => {
      const outcomes = await ingestAll(hs, dag.events());
      expect([...outcomes.values()].filter((s) => s !== 'accepted')).toEqual([]);
      expect(hs.storage.getCurrentState(dag.roomId)).toEqual(current);
      expect(serverExtremities(hs, dag.roomId)).toEqual([dag.eventId('M3')]);
    });
  });

  test('a bad signature fails checkPdu; a bad hash is redacted by it; good events of two servers pass', async () => {
    const dag = new DagBuilder({ roomVersion: version, servers: ['a.test', 'b.test'] });
    dag.create(ALICE).join(CAROL, { name: 'carol' });
    dag.message('forged', { badSignature: true, name: 'sig' }).message('tampered', { badHash: true, name: 'hash' });
    await dag.build();
    const rv = getRoomVersion(version);
    expect([...dag.serverKeys().keys()]).toEqual(['a.test', 'b.test']);
    for (const event of dag.events().filter((e) => e.eventId !== dag.eventId('sig') && e.eventId !== dag.eventId('hash'))) {
      expect(await checkPdu(event.pdu, rv, dag.keyLookup())).toMatchObject({ ok: true, redactedForHash: false });
    }
    expect(await checkPdu(dag.event('sig').pdu, rv, dag.keyLookup())).toMatchObject({ ok: false, error: { errcode: 'M_FORBIDDEN' } });
    expect(dag.status('sig').status).toBe('dropped');
    const hash = await checkPdu(dag.event('hash').pdu, rv, dag.keyLookup());
    expect(hash).toMatchObject({ ok: true, redactedForHash: true });
    expect(hash.ok && hash.event.eventId).toBe(dag.eventId('hash'));

    // Through checkPdu into a real server: the dropped event never arrives, the redacted one is accepted.
    await withServer(async (hs) => {
      for (const event of dag.events()) {
        const checked = await checkPdu(event.pdu, rv, dag.keyLookup());
        const name = dag.name(event.eventId)!;
        if (!checked.ok) expect(dag.status(name).status).toBe('dropped');
        else expect([name, (await hs.rooms.ingestRemoteEvent(checked.event)).status]).toEqual([name, dag.status(name).status]);
      }
      expect(serverExtremities(hs, dag.roomId)).toEqual(dag.forwardExtremities().eventIds);
      expect(dag.forwardExtremities().names).toEqual(['hash']);
    });
  });
});

describe('room version 12', () => {
  test('prevEvents, at() and authEvents overrides; a second-server join; Graphviz output marks what matters', async () => {
    const dag = new DagBuilder({ roomVersion: '12', servers: ['a.test'] });
    dag.create(ALICE).join(CAROL, { name: 'carol' }).message('one', { name: 'one' });
    dag.at('carol').message('two', { name: 'two' });
    dag.message('skips', { prevEvents: ['one', 'two'], name: 'both' });
    dag.message('no power levels', { authEvents: ['creator.join'], name: 'thin', sender: ALICE });
    dag.state('m.room.name', '', { name: 'x' }, { rejected: true, name: 'R' });
    await dag.build();
    expect(dag.event('two').prevEventIds).toEqual([dag.eventId('carol')]);
    expect([...dag.event('both').prevEventIds]).toEqual([dag.eventId('one'), dag.eventId('two')]);
    expect(dag.event('thin').authEventIds).toEqual([dag.eventId('creator.join')]);
    expect(dag.serverKeys().has('b.test')).toBe(true);
    const dot = dag.toDot();
    expect(dot.startsWith('digraph dag {')).toBe(true);
    expect(dot).toContain('"R\\nm.room.name \\"\\"\\n[rejected]"');
    const forward = dag.forwardExtremities().names;
    expect(forward.length).toBeGreaterThan(0);
    for (const name of forward) expect(dot).toMatch(new RegExp(`label="${name}\\\\n[^"]*", tooltip="[^"]*", style="filled,bold"`));
    expect((dot.match(/ -> /g) ?? []).length).toBe(dag.events().reduce((n, e) => n + e.prevEventIds.length, 0));
    await withServer((hs) => expectServerAgrees(hs, dag));
  });

  test('a flag the construction cannot honour is an error, not a silently good event', async () => {
    const creatorSoftFail = new DagBuilder({ roomVersion: '12' }).create(ALICE).message('x', { softFail: true });
    await expect(creatorSoftFail.build()).rejects.toThrow(/softFail: the creator cannot ban @alice:a.test/);
    const memberRejected = new DagBuilder({ roomVersion: '12' }).create(ALICE).message('x', { rejected: true, sender: ALICE });
    await expect(memberRejected.build()).rejects.toThrow(/meant to be rejected but is accepted/);
  });

  test('queries before build() throw instead of answering about a half-built DAG', () => {
    const dag = new DagBuilder({ roomVersion: '12' }).create(ALICE);
    expect(() => dag.forwardExtremities()).toThrow(/await dag.build\(\)/);
  });

  test('1,000 events with forks and merges build, every one accepted and ordered parents first', async () => {
    const dag = new DagBuilder({ roomVersion: '12', servers: ['a.test'] }).create(ALICE).join(BOB);
    for (let i = 0; i < 199; i++) {
      dag.fork(`l${i}`, (d) => d.message(`l${i}`));
      dag.fork(`r${i}`, (d) => d.state('m.room.topic', '', { topic: `r${i}` }));
      dag.merge(`l${i}`, `r${i}`, `m${i}`).message(`after ${i}`, { sender: BOB }).message(`again ${i}`);
    }
    await dag.build();
    const events = dag.events();
    expect(events.length).toBe(5 + 1 + 199 * 5);
    const seen = new Set<string>();
    for (const e of events) {
      for (const p of e.prevEventIds) expect(seen.has(p)).toBe(true);
      seen.add(e.eventId);
    }
    expect(events.map((e) => dag.status(dag.name(e.eventId)!).status).filter((s) => s !== 'accepted')).toEqual([]);
    expect(dag.forwardExtremities().eventIds).toEqual([events[events.length - 1]!.eventId]);
    expect(dag.currentState().get(TOPIC)).toBe(dag.eventId('r198'));
  });
});
