// Runs a resolution scenario in the style of the classic state-res suites: named events, prev-edge paths, expected winners.
import { StateMap, stateKey } from '../../../src/protocol/state-map';
import { NodeSpec, ResolvingDag, ZARA } from './resolving-dag';

export type EventSpec = Omit<NodeSpec, 'prev'>;

export interface Scenario {
  /** Events in an order where parents come first (START is the shared start; END is added last). */
  events: Record<string, EventSpec>;
  /** Paths read child → parent, e.g. ['END', 'MB', 'PA', 'START'] means END's prev is MB, MB's is PA… */
  edges: string[][];
  /** Event names that must win their key in the state before END; every other key keeps START's value. */
  expected: string[];
  /** Extra `users` entries for the initial power levels. */
  initialUsers?: Record<string, number>;
}

export interface ScenarioResult {
  dag: ResolvingDag;
  resolved: StateMap;
  expected: StateMap;
}

export async function runScenario(roomVersion: string, scenario: Scenario): Promise<ScenarioResult> {
  const dag = new ResolvingDag(roomVersion);
  await dag.start(scenario.initialUsers);
  const prevs = new Map<string, Set<string>>();
  for (const path of scenario.edges) {
    for (let i = 0; i + 1 < path.length; i++) {
      let set = prevs.get(path[i]!);
      if (!set) prevs.set(path[i]!, (set = new Set()));
      set.add(path[i + 1]!);
    }
  }
  for (const [name, spec] of Object.entries(scenario.events)) {
    await dag.add(name, { ...spec, prev: [...(prevs.get(name) ?? [])] });
  }
  const endPrev = [...(prevs.get('END') ?? [])];
  const resolved = await dag.stateBefore(endPrev);
  const expected = dag.stateAfter('START');
  for (const name of scenario.expected) {
    const e = dag.node(name);
    expected.set(stateKey(e.type, e.stateKey!), e.eventId);
  }
  await dag.add('END', { type: 'm.room.message', sender: ZARA, content: { body: 'end' }, prev: endPrev });
  return { dag, resolved, expected };
}

/** A StateMap as sorted [key, event name] pairs, so that a failing assertion reads as names, not hashes. */
export function named(dag: ResolvingDag, state: StateMap): [string, string][] {
  const names = new Map<string, string>();
  for (const [name, e] of dag.byName) names.set(e.eventId, name);
  return [...state].map(([k, id]): [string, string] => [k, names.get(id) ?? id]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
