// Benchmark: a light server learning a 10,000-member room with three forward extremities on three full
// servers (in process), first learn and refresh after one new state event, as requests, bytes and ms,
// against the naive way (GET /extremities, then a full /state at each extremity) in the same run.
//
// The room is built with DagBuilder and loaded with hs.load (every check, as if received): real joins one
// at a time are O(members²) bytes, because each send_join answers with the whole state. Loading is still
// O(members²) in time (measured on this machine, one server: 500 members 1.4 s, 1,000 7.3 s, 2,000 22.6 s):
// each accepted state event changes the current state, which drops Storage.getCurrentState's cache, and
// the next event's soft-fail check reloads the whole current state from SQLite (CurrentStateRepository.load).
// Its shape:
//
//   create … history_visibility ─ u0 ─ u1 ─ … ─ u9999 (last) ─┬─ f1 (topic)
//                    │                                       ├─ f2 (name)
//                    └─ J1 ─ J2 (the light servers join via A) ─┴─ f3 (a member's displayname; prev last, J2)
//
// The light servers join after the room's first events, before the members: their join answers hold six
// state events, so their first learn starts cold. f3 (by the members' server, a TestPeer that holds the
// same DAG) merges the joins in, so that A, B and C each have exactly f1, f2, f3 as forward extremities.
// The refresh follows one more state event (a topic on f1). Light server 1 learns via A alone (the same
// server the naive way asks); light server 2 via A, B and C, which cross-checks every extremity's state
// with each server that names it (a /state_ids per server and extremity).
//
// `LIGHT_BENCH_MEMBERS=2000 npm run bench -- light` runs a smaller room.
import { checkPdu } from '../../src/crypto/pdu-checks';
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationClient } from '../../src/federation/client/federation-client';
import type { Homeserver } from '../../src/homeserver';
import type { LightServer, LightView } from '../../src/light';
import { countingClient, LightStats, measured } from '../../src/light/light-stats';
import type { Pdu } from '../../src/protocol/pdu';
import { getRoomVersion } from '../../src/protocol/room-versions';
import { DagBuilder } from '../../src/testing/dag-builder';
import { eventually } from '../../src/testing/eventually';
import { startTestFederation } from '../../src/testing/test-federation';
import { createTestPeer, TestPeer } from '../../src/testing/test-peer';
import { benchLine } from './support/measure';

const MEMBERS = Number(process.env.LIGHT_BENCH_MEMBERS ?? 10_000);
const ROOM_VERSION = '12';
const SEED = 'light-bench';
const MEMBER_SERVER = 'm.bench';
const CREATOR = `@creator:${MEMBER_SERVER}`;
const LIGHTS = ['one.bench', 'two.bench'];

function since(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function describe(label: string, s: Pick<LightStats, 'requests' | 'bytes' | 'ms'> & Partial<LightStats>): void {
  const events = s.eventsFetched !== undefined ? `, ${s.eventsFetched} events fetched, ${s.eventsVerified} verified` : '';
  console.log(`${label.padEnd(34)} ${String(s.requests).padStart(4)} requests  ${mb(s.bytes).padStart(11)}  ${String(s.ms).padStart(6)} ms${events}`);
}

/** The event as if it arrived over /send on each server: the PDU checks, then the real ingest (as hs.load does). */
async function receive(servers: readonly Homeserver[], pdu: Pdu): Promise<void> {
  const rv = getRoomVersion(ROOM_VERSION);
  for (const hs of servers) {
    const checked = await checkPdu(pdu, rv, hs.keyRing.lookup);
    if (!checked.ok) throw new Error(`${hs.serverName} refused ${checked.eventId}: ${checked.error.message}`);
    const outcome = await hs.rooms.ingestRemoteEvent(checked.event);
    if (outcome.status !== 'accepted' && outcome.status !== 'duplicate') throw new Error(`${hs.serverName}: ${checked.event.eventId} ${outcome.status}`);
  }
}

/** The peer builds an event on `prevEvents` in its copy of the room, and A, B and C receive it. */
async function peerEvent(peer: TestPeer, servers: readonly Homeserver[], roomId: string, fields: Parameters<TestPeer['buildEvent']>[1], prevEvents: string[]): Promise<string> {
  const event = await peer.buildEvent(roomId, fields, { prevEvents });
  await receive(servers, event.pdu);
  return event.eventId;
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const fed = await startTestFederation(['a.bench', 'b.bench', 'c.bench'], { rateLimit: false });
  const servers = fed.servers as [Homeserver, Homeserver, Homeserver];
  const [a] = servers;
  // The members' server: serves DagBuilder's key for m.bench (same seed) and holds its own copy of the room.
  const peer = await createTestPeer({ serverName: MEMBER_SERVER, seed: SEED });
  for (const hs of servers) peer.connect(hs);
  const lights: LightServer[] = [];
  for (const name of LIGHTS) {
    const light = await fed.addLight(name, { maxResponseBytes: 256 * 1024 * 1024, requestTimeoutMs: 120_000, deadlineMs: 600_000 });
    light.hostMap.set(MEMBER_SERVER, peer.url);
    peer.hostMap.set(name, light.url());
    for (const other of lights) {
      other.hostMap.set(name, light.url());
      light.hostMap.set(other.serverName, other.url());
    }
    lights.push(light);
  }
  const [light, crossChecking] = lights as [LightServer, LightServer];
  const all = [...servers];
  try {
    let t = process.hrtime.bigint();
    const dag = new DagBuilder({ roomVersion: ROOM_VERSION, servers: [MEMBER_SERVER], seed: SEED });
    dag.create(CREATOR);
    await dag.build();
    for (const target of [...all, peer]) await target.load(dag);
    const roomId = dag.roomId;
    const joins: string[] = [];
    let joinStats: LightStats | undefined;
    for (const l of lights) {
      const joined = await l.join(roomId, `@policy:${l.serverName}`, { via: ['a.bench'] });
      joinStats ??= joined.stats;
      joins.push(joined.eventId);
      // A sends the join to the room's other servers with members (m.bench); B and C have none yet.
      await receive([servers[1], servers[2]], a.storage.getEvent(joined.eventId)!.event.pdu);
      await eventually(() => peer.rooms.membershipOf(roomId, `@policy:${l.serverName}`) === 'join', 'the join reaching the members’ server', 60_000);
    }
    describe('light join (send_join via A)', joinStats!);

    for (let i = 0; i < MEMBERS; i++) dag.join(`@u${i}:${MEMBER_SERVER}`, { name: i === MEMBERS - 1 ? 'last' : `u${i}` });
    dag.fork('f1', (d) => d.state('m.room.topic', '', { topic: 'fork one' }));
    dag.fork('f2', (d) => d.state('m.room.name', '', { name: 'fork two' }));
    await dag.build();
    const buildMs = since(t);
    t = process.hrtime.bigint();
    for (const target of [...all, peer]) {
      const loaded = await target.load(dag);
      if ((loaded.counts.accepted ?? 0) + (loaded.counts.duplicate ?? 0) !== dag.events().length) throw new Error(`load: ${JSON.stringify(loaded.counts)}`);
    }
    const loadMs = since(t);
    const f3 = await peerEvent(peer, all, roomId, { type: 'm.room.member', sender: '@u0:m.bench', stateKey: '@u0:m.bench', content: { membership: 'join', displayname: 'zero' } }, [dag.eventId('last'), joins[joins.length - 1]!]);
    const expected = [dag.eventId('f1'), dag.eventId('f2'), f3].sort();
    for (const hs of all) {
      const ext = hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();
      if (JSON.stringify(ext) !== JSON.stringify(expected)) throw new Error(`${hs.serverName} has extremities ${ext.join(', ')}`);
    }
    const stateSize = a.storage.getCurrentState(roomId).size;
    console.log(`room: ${MEMBERS} members, ${dag.events().length + LIGHTS.length + 1} events, ${stateSize} state entries, extremities f1, f2, f3 on A, B and C`);
    console.log(`setup: DagBuilder ${(buildMs / 1000).toFixed(1)} s; hs.load into A, B, C and the members' server ${(loadMs / 1000).toFixed(1)} s`);

    // The naive way, as the light server's own identity (the servers answer /state only to a server in the room).
    const naiveClient = new FederationClient({ serverName: light.serverName, signingKey: () => light.signingKey(), resolver: light.hostMap, timeoutMs: 120_000, maxResponseBytes: 256 * 1024 * 1024 });
    const naiveApi = new FederationApi(countingClient(naiveClient));
    const naive = await measured(async () => {
      const extremities = await naiveApi.getExtremities('a.bench', roomId);
      for (const id of extremities) await naiveApi.getState('a.bench', roomId, id, { timeoutMs: 120_000 });
      return extremities.length;
    });
    naiveClient.close();
    describe(`naive (/extremities + ${naive.result} × /state)`, naive.stats);

    const ids = (m: Map<string, string>) => JSON.stringify([...m].sort(([x], [y]) => (x < y ? -1 : 1)));
    const check = (view: LightView, what: string) => {
      if (view.disagreements.length > 0) throw new Error(`${what}: disagreements: ${JSON.stringify(view.disagreements)}`);
      if (ids(view.stateIds) !== ids(a.storage.getCurrentState(roomId))) throw new Error(`${what}: the learnt state differs from A’s current state`);
    };
    const viaA = ['a.bench'];
    const viaAll = ['a.bench', 'b.bench', 'c.bench'];
    const first = await light.currentState(roomId, { via: viaA });
    describe('light first learn (via A)', first.stats);
    check(first, 'first learn via A');
    console.log(`  learnt ${first.state.size} state events; ${Object.entries(first.learnt).map(([id, how]) => `${dag.name(id) ?? 'f3'}: ${how}`).join(', ')}`);
    const firstAll = await crossChecking.currentState(roomId, { via: viaAll });
    describe('light first learn (via A, B, C)', firstAll.stats);
    check(firstAll, 'first learn via A, B, C');

    const topic = await peerEvent(peer, all, roomId, { type: 'm.room.topic', sender: CREATOR, stateKey: '', content: { topic: 'after the refresh' } }, [dag.eventId('f1')]);
    const refresh = await light.currentState(roomId, { via: viaA });
    describe('light refresh (via A)', refresh.stats);
    check(refresh, 'refresh via A');
    if (refresh.stateIds.get(JSON.stringify(['m.room.topic', ''])) !== topic) throw new Error('the refresh missed the new topic');
    const refreshAll = await crossChecking.currentState(roomId, { via: viaAll });
    describe('light refresh (via A, B, C)', refreshAll.stats);
    check(refreshAll, 'refresh via A, B, C');

    const ratio = (x: number, y: number) => (x / y).toFixed(3);
    console.log(`via A, B, C: first learn ${ratio(firstAll.stats.bytes, naive.stats.bytes)} of naive; refresh ${ratio(refreshAll.stats.bytes, firstAll.stats.bytes)} of its first learn, ${refreshAll.stats.requests} requests`);
    console.log(`light join + first learn via A together: ${mb(joinStats!.bytes + first.stats.bytes)} (${ratio(joinStats!.bytes + first.stats.bytes, naive.stats.bytes)} of naive)`);
    console.log(`total run ${(since(started) / 1000).toFixed(1)} s`);
    benchLine('light-first-learn-bytes-vs-naive', first.stats.bytes / naive.stats.bytes, 'ratio', '<=', 0.5);
    benchLine('light-refresh-bytes-vs-first', refresh.stats.bytes / first.stats.bytes, 'ratio', '<=', 0.02);
    benchLine('light-refresh-requests', refresh.stats.requests, 'requests', '<=', 4);
  } finally {
    await fed.stop();
    await peer.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
