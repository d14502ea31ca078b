// The reverse topological power ordering: Kahn's algorithm with the spec's tie-breaks, checked against brute force.
import { EventLoader } from '../../src/state/event-loader';
import { compareCodePoints } from '../../src/state/code-point-order';
import { reverseTopologicalPowerOrder } from '../../src/state/power-ordering';
import { ALICE, BOB, ResolvingDag } from './support/resolving-dag';

/** Every topological order of `nodes` (each node after all of its `deps`), by brute force. */
function allTopologicalOrders(nodes: string[], deps: Map<string, string[]>): string[][] {
  const out: string[][] = [];
  const walk = (order: string[], left: string[]): void => {
    if (left.length === 0) out.push(order);
    for (const n of left) {
      if ((deps.get(n) ?? []).every((d) => order.includes(d))) walk([...order, n], left.filter((x) => x !== n));
    }
  };
  walk([], nodes);
  return out;
}

describe.each(['3', '10', '12'])('reverse topological power ordering, room version %s', (version) => {
  it('is the lexicographically smallest topological order when power and timestamps tie (event ID decides)', async () => {
    const dag = new ResolvingDag(version);
    await dag.start();
    // Auth graph: l → o, m → n, m → o, n → o, p → o. Same sender, same origin_server_ts.
    const ts = 1_800_000_000_000;
    const add = (name: string, auth: string[]) =>
      dag.add(name, { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: dag.users({ [ALICE]: 100 }), name }, prev: ['START'], auth: ['IPOWER', ...auth], ts });
    await add('o', []);
    await add('l', ['o']);
    await add('n', ['o']);
    await add('m', ['n', 'o']);
    await add('p', ['o']);
    const names = ['l', 'm', 'n', 'o', 'p'];
    const ids = names.map((n) => dag.id(n));
    const deps = new Map(names.map((n) => [dag.id(n), dag.node(n).authEventIds.filter((a) => ids.includes(a))]));

    const order = await reverseTopologicalPowerOrder(new EventLoader(dag.fetch), ids, new Set(ids));

    const smallest = allTopologicalOrders(ids, deps).sort((a, b) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return compareCodePoints(a[i]!, b[i]!);
      return 0;
    })[0];
    expect(order).toEqual(smallest);
    expect(order[0]).toBe(dag.id('o'));
  });

  it('puts the more powerful sender first, then the earlier timestamp', async () => {
    const dag = new ResolvingDag(version);
    await dag.start({ [BOB]: 50 });
    const add = (name: string, sender: string, ts: number) =>
      dag.add(name, { type: 'm.room.join_rules', sender, stateKey: '', content: { join_rule: 'public', name }, prev: ['START'], ts });
    await add('bobEarly', BOB, 1_800_000_000_000);
    await add('aliceLate', ALICE, 1_800_000_000_500);
    await add('aliceEarly', ALICE, 1_800_000_000_100);
    const ids = ['bobEarly', 'aliceLate', 'aliceEarly'].map((n) => dag.id(n));

    const order = await reverseTopologicalPowerOrder(new EventLoader(dag.fetch), ids, new Set(ids));

    expect(order).toEqual(['aliceEarly', 'aliceLate', 'bobEarly'].map((n) => dag.id(n)));
  });
});
