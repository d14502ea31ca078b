// Property: the resolved state does not depend on the order of the state sets; and the fast auth difference
// equals the definition's ∪Cᵢ − ∩Cᵢ computed naively.
import fc from 'fast-check';
import { EventLoader } from '../../src/state/event-loader';
import { authDifference } from '../../src/state/auth-difference';
import { splitConflictedState } from '../../src/state/conflicted-state';
import { resolveState, StateMap } from '../../src/state';
import { ALICE, BOB, CHARLIE, ELLA, ResolvingDag, ZARA } from './support/resolving-dag';

const ACTORS = [ALICE, BOB, CHARLIE, ZARA, ELLA];

type Op = { fork: number; kind: 'topic' | 'pl' | 'ban' | 'kick' | 'join' | 'leave' | 'jr'; actor: number; target: number; level: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  fork: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('topic', 'pl', 'ban', 'kick', 'join', 'leave', 'jr'),
  actor: fc.integer({ min: 0, max: ACTORS.length - 1 }),
  target: fc.integer({ min: 0, max: ACTORS.length - 1 }),
  level: fc.constantFrom(0, 50, 100),
});

/** Three forks from START, each a chain of the ops assigned to it (allowed or not: state sets are whatever they are). */
async function buildForks(version: string, ops: Op[]): Promise<{ dag: ResolvingDag; sets: StateMap[] }> {
  const dag = new ResolvingDag(version);
  await dag.start({ [BOB]: 50 });
  const tips = ['START', 'START', 'START'];
  let n = 0;
  for (const op of ops) {
    const sender = ACTORS[op.actor]!;
    const target = ACTORS[op.target]!;
    const name = `op${n++}`;
    const prev = [tips[op.fork]!];
    switch (op.kind) {
      case 'topic':
        await dag.add(name, { type: 'm.room.topic', sender, stateKey: '', content: { topic: name }, prev });
        break;
      case 'pl':
        await dag.add(name, { type: 'm.room.power_levels', sender, stateKey: '', content: { users: dag.users({ [ALICE]: 100, [target]: op.level }) }, prev });
        break;
      case 'ban':
      case 'kick':
        await dag.add(name, { type: 'm.room.member', sender, stateKey: target, content: { membership: op.kind === 'ban' ? 'ban' : 'leave' }, prev });
        break;
      case 'join':
      case 'leave':
        await dag.add(name, { type: 'm.room.member', sender, stateKey: sender, content: { membership: op.kind }, prev });
        break;
      case 'jr':
        await dag.add(name, { type: 'm.room.join_rules', sender, stateKey: '', content: { join_rule: op.level === 0 ? 'public' : 'invite' }, prev });
        break;
    }
    tips[op.fork] = name;
  }
  return { dag, sets: [...new Set(tips)].map((t) => dag.stateAfter(t)) };
}

const sorted = (m: StateMap) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** ∪Cᵢ − ∩Cᵢ straight from the definition, with Cᵢ = the events of Sᵢ and all their auth ancestors. */
function naiveAuthDifference(dag: ResolvingDag, sets: StateMap[]): Set<string> {
  const chains = sets.map((s) => {
    const seen = new Set<string>(s.values());
    const stack = [...seen];
    while (stack.length) {
      for (const a of dag.fetch(stack.pop()!)?.authEventIds ?? []) {
        if (!seen.has(a)) {
          seen.add(a);
          stack.push(a);
        }
      }
    }
    return seen;
  });
  const union = new Set(chains.flatMap((c) => [...c]));
  return new Set([...union].filter((id) => !chains.every((c) => c.has(id))));
}

describe.each(['1', '2', '10', '12'])('room version %s', (version) => {
  it('resolves to the same state whatever the order of the state sets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), fc.infiniteStream(fc.nat()), async (ops, seeds) => {
        const { dag, sets } = await buildForks(version, ops);
        const shuffled = [...sets];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = seeds.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = await resolveState(version, sets, dag.fetch);
        const b = await resolveState(version, shuffled, dag.fetch);
        const c = await resolveState(version, [...sets].reverse(), dag.fetch);
        expect(sorted(b)).toEqual(sorted(a));
        expect(sorted(c)).toEqual(sorted(a));
        if (version !== '1') {
          const { unconflicted } = splitConflictedState(sets);
          const fast = await authDifference(new EventLoader(dag.fetch), sets, unconflicted);
          expect([...fast].sort()).toEqual([...naiveAuthDifference(dag, sets)].sort());
        }
      }),
      { numRuns: 25 },
    );
  });
});
