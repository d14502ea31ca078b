// The extremity planner on its own: each case drawn in its comment, on a small in-memory graph.
import { ExtremityGraph, planExtremities } from '../../src/storage/extremity-plan';

type Kind = 'normal' | 'bad' | 'outlier';

/** A graph of stored events `id: [kind, ...prevs]`; children are derived from the prev edges. */
function graph(stored: Record<string, [Kind, ...string[]]>, forward: string[]): ExtremityGraph<string> {
  const children = new Map<string, string[]>();
  for (const [id, [, ...prevs]] of Object.entries(stored)) for (const p of prevs) children.set(p, [...(children.get(p) ?? []), id]);
  return {
    flagsOf: (id) => (stored[id] ? { outlier: stored[id]![0] === 'outlier', bad: stored[id]![0] === 'bad' } : undefined),
    prevsOf: (id) => stored[id]?.slice(1) ?? [],
    childrenOf: (id) => children.get(id) ?? [],
    isForward: (id) => forward.includes(id),
  };
}

const plan = (g: ExtremityGraph<string>, prevs: string[], normal = true) => {
  const p = planExtremities(g, { id: 'E', prevs, normal });
  return { leave: [...p.forwardLeave].sort(), join: p.forwardJoin, backward: [...p.backwardJoin].sort() };
};

describe('planExtremities', () => {
  test('1. linear A ← E: A leaves, E joins', () => {
    expect(plan(graph({ A: ['normal'] }, ['A']), ['A'])).toEqual({ leave: ['A'], join: true, backward: [] });
  });

  test('2. fork A ← B, A ← E: B stays, E joins', () => {
    expect(plan(graph({ A: ['normal'], B: ['normal', 'A'] }, ['B']), ['A'])).toEqual({ leave: [], join: true, backward: [] });
  });

  test('3. merge B, C ← E: both leave', () => {
    expect(plan(graph({ B: ['normal'], C: ['normal'] }, ['B', 'C']), ['B', 'C'])).toEqual({ leave: ['B', 'C'], join: true, backward: [] });
  });

  test('4. out of order E ← C, C stored first: E does not join, its parent still leaves', () => {
    expect(plan(graph({ A: ['normal'], C: ['normal', 'E'] }, ['A', 'C']), ['A'])).toEqual({ leave: ['A'], join: false, backward: [] });
  });

  test('5. soft-failed A ← SF: SF neither joins nor removes A', () => {
    expect(plan(graph({ A: ['normal'] }, ['A']), ['A'], false)).toEqual({ leave: [], join: false, backward: [] });
  });

  test('6. through bad A ← SF1 ← SF2 ← E: E removes A', () => {
    expect(plan(graph({ A: ['normal'], SF1: ['bad', 'A'], SF2: ['bad', 'SF1'] }, ['A']), ['SF2'])).toEqual({ leave: ['A'], join: true, backward: [] });
  });

  test('7. bad arrives late A ← E(bad) ← C: E does not join but removes A', () => {
    expect(plan(graph({ A: ['normal'], C: ['normal', 'E'] }, ['A', 'C']), ['A'], false)).toEqual({ leave: ['A'], join: false, backward: [] });
  });

  test('7b. a bad event reached only through bad children stays out and removes nothing', () => {
    expect(plan(graph({ A: ['normal'], SF: ['bad', 'E'] }, ['A']), ['A'], false)).toEqual({ leave: [], join: false, backward: [] });
  });

  test('8. bad child first A ← E ← SF: E joins and A leaves although SF names E', () => {
    expect(plan(graph({ A: ['normal'], SF: ['bad', 'E'] }, ['A']), ['A'])).toEqual({ leave: ['A'], join: true, backward: [] });
  });

  test('8b. a normal child behind bad ones still covers: E ← SF ← C', () => {
    expect(plan(graph({ A: ['normal'], SF: ['bad', 'E'], C: ['normal', 'SF'] }, ['A', 'C']), ['A'])).toEqual({ leave: ['A'], join: false, backward: [] });
  });

  test('9. outlier and missing prevs: nothing leaves, both become backward extremities; an outlier child does not cover', () => {
    expect(plan(graph({ O: ['outlier'], OC: ['outlier', 'E'] }, []), ['O', 'M'])).toEqual({ leave: [], join: true, backward: ['M', 'O'] });
  });
});
