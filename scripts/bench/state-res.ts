// Benchmark: resolve two forks of a room with 1,000 / 10,000 / 50,000 members and ~200 conflicted state events;
// prints time, events loaded and the growth from 1k to 50k, against a naive merge of the same maps as baseline.
import { selectAuthEvents } from '../../src/auth';
import { RoomEvent } from '../../src/protocol/room-event';
import { resolveState, stateKey, StateMap } from '../../src/state';
import { EventFactory } from '../../src/testing/event-factory';
import { benchLine } from './support/measure';

const VERSION = '10';
const SIZES = [1_000, 10_000, 50_000];
const ALICE = '@alice:bench.local';
const ROOM = '!bench:bench.local';
const user = (i: number) => `@u${i}:bench.local`;

const factory = new EventFactory({ roomVersion: VERSION, serverName: 'bench.local' });
const events = new Map<string, RoomEvent>();
const state: StateMap = new Map();

function add(fields: { type: string; sender: string; stateKey: string; content: Record<string, unknown> }, into: StateMap = state): RoomEvent {
  const auth = selectAuthEvents({ ...fields, content: fields.content as never }, into, VERSION).map((id) => events.get(id)!);
  const e = factory.build({ ...fields, content: fields.content as never, roomId: ROOM, authEvents: auth });
  events.set(e.eventId, e);
  into.set(stateKey(e.type, e.stateKey!), e.eventId);
  return e;
}

function buildRoom(): { base: StateMap; memberKeys: string[]; forks: StateMap[] } {
  const t0 = Date.now();
  add({ type: 'm.room.create', sender: ALICE, stateKey: '', content: { creator: ALICE, room_version: VERSION } });
  add({ type: 'm.room.member', sender: ALICE, stateKey: ALICE, content: { membership: 'join' } });
  add({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100 } } });
  add({ type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'public' } });
  const memberKeys: string[] = [];
  for (let i = 0; i < SIZES[SIZES.length - 1]!; i++) {
    add({ type: 'm.room.member', sender: user(i), stateKey: user(i), content: { membership: 'join' } });
    memberKeys.push(stateKey('m.room.member', user(i)));
  }
  const base = new Map(state);
  // Each fork: 10 power levels changes in a chain, 40 kicks (fork A) or bans (fork B) of early members,
  // and 50 custom state events: about 200 conflicted state events in all, plus the power levels chains.
  const forks = [0, 1].map((f) => {
    const fork = new Map(base);
    for (let i = 0; i < 10; i++) add({ type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100, [user(f * 10 + i)]: 10 + i } } }, fork);
    for (let i = 0; i < 40; i++) {
      const target = user(100 + f * 40 + i);
      add({ type: 'm.room.member', sender: ALICE, stateKey: target, content: { membership: f === 0 ? 'leave' : 'ban' } }, fork);
    }
    for (let i = 0; i < 50; i++) add({ type: 'org.example.note', sender: ALICE, stateKey: `note-${f}-${i}`, content: { i } }, fork);
    return fork;
  });
  console.log(`built ${events.size} signed events in ${Date.now() - t0} ms`);
  return { base, memberKeys, forks };
}

/** The two forks' state sets restricted to a room of `size` members (the first `size` joins). */
function forksOfSize(build: ReturnType<typeof buildRoom>, size: number): StateMap[] {
  const dropped = new Set(build.memberKeys.slice(size));
  return build.forks.map((fork) => new Map([...fork].filter(([k]) => !dropped.has(k))));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Baseline: a naive merge of the same state sets (union, later set wins), the floor for touching every entry. */
function naiveMerge(sets: StateMap[]): StateMap {
  const out: StateMap = new Map();
  for (const s of sets) for (const [k, v] of s) out.set(k, v);
  return out;
}

async function main(): Promise<void> {
  const build = buildRoom();
  const results = new Map<number, number>();
  let baselineAt50k = 0;
  for (const size of SIZES) {
    const sets = forksOfSize(build, size);
    let loaded = 0;
    let conflictedKeys = 0;
    for (const [k, v] of sets[0]!) if (sets[1]!.get(k) !== v) conflictedKeys++;
    for (const k of sets[1]!.keys()) if (!sets[0]!.has(k)) conflictedKeys++;
    const times: number[] = [];
    let resolved: StateMap | undefined;
    for (let run = 0; run < 5; run++) {
      const t = process.hrtime.bigint();
      resolved = await resolveState(VERSION, sets, (id) => events.get(id), { onFinished: (s) => (loaded = s.eventsLoaded) });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const baseTimes: number[] = [];
    for (let run = 0; run < 5; run++) {
      const t = process.hrtime.bigint();
      naiveMerge(sets);
      baseTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const ms = median(times);
    results.set(size, ms);
    if (size === 50_000) baselineAt50k = median(baseTimes);
    const pl = resolved!.get(stateKey('m.room.power_levels', ''));
    console.log(
      `${String(size).padStart(6)} members: ${ms.toFixed(1)} ms (median of 5), ${loaded} events loaded, ${conflictedKeys} conflicted keys, ` +
        `${resolved!.size} keys resolved, power levels ${pl === sets[0]!.get(stateKey('m.room.power_levels', '')) ? 'from fork A' : 'from fork B'}; naive merge ${median(baseTimes).toFixed(2)} ms`,
    );
  }
  const growth = results.get(50_000)! / results.get(1_000)!;
  console.log(`growth 1k → 50k members (50× the state): ${growth.toFixed(1)}× the time`);
  benchLine('state-res-10k-members', results.get(10_000)!, 'ms', '<', 1000);
  benchLine('state-res-growth-1k-to-50k', growth, 'ratio', '<=', 50);
  benchLine('state-res-50k-vs-naive-merge', results.get(50_000)! / baselineAt50k, 'ratio', '<=', 100);
}

void main();
