// The classic state resolution scenarios (as in Synapse's and Ruma's suites), rebuilt from the spec with real signed events.
import { ALICE, BOB, CHARLIE, ELLA, ZARA } from './support/resolving-dag';
import { named, runScenario, Scenario } from './support/scenario';

const V2_VERSIONS = ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];
const join = { membership: 'join' };

const pl = (users: Record<string, number>, extra: Record<string, unknown> = {}) => ({ users, ...extra });

/** Power levels content, written for v1–v11 and adjusted by ResolvingDag.users() for v12 creators. */
const scenarios: Record<string, Scenario> = {
  // Alice bans Bob while Bob, concurrently, re-sends the power levels: the ban (by the more powerful sender)
  // is ordered first, so Bob is no longer joined and his power levels fail.
  'ban vs power levels': {
    events: {
      PA: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      MA: { type: 'm.room.member', sender: ALICE, stateKey: ALICE, content: join },
      MB: { type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'ban' } },
      PB: { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
    },
    edges: [
      ['END', 'MB', 'MA', 'PA', 'START'],
      ['END', 'PB', 'PA'],
    ],
    expected: ['PA', 'MA', 'MB'],
  },
  // Ella joins while Alice makes the room private: the join rules change is a power event and goes first,
  // so Ella's join is not allowed and she is not in the resolved state.
  'join rule evasion': {
    events: {
      JR: { type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'invite' } },
      ME: { type: 'm.room.member', sender: ELLA, stateKey: ELLA, content: join },
    },
    edges: [
      ['END', 'JR', 'START'],
      ['END', 'ME', 'START'],
    ],
    expected: ['JR'],
  },
  // A chain of power levels on one branch against its own ancestor on the other: the newest one wins.
  'offtopic power levels': {
    events: {
      PA: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      PB: { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }) },
      PC: { type: 'm.room.power_levels', sender: CHARLIE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50, [CHARLIE]: 0 }) },
    },
    edges: [
      ['END', 'PC', 'PB', 'PA', 'START'],
      ['END', 'PA'],
    ],
    expected: ['PC'],
  },
  // Alice demotes Bob (PA2) while Bob re-asserts his level (PB) and sets a topic (T3): PB fails after PA2,
  // and Bob's topic, based on the older power levels, is ordered before Alice's and then fails too.
  'topic basic': {
    events: {
      T1: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T1' } },
      PA1: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T2: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T2' } },
      PA2: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 0 }) },
      PB: { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T3: { type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 'T3' } },
    },
    edges: [
      ['END', 'PA2', 'T2', 'PA1', 'T1', 'START'],
      ['END', 'T3', 'PB', 'PA1'],
    ],
    expected: ['PA2', 'T2'],
  },
  // Bob sets a topic and is then banned by Alice; the other branch only saw T1. Bob's topic must not survive
  // his ban: the state resets to T1 rather than keeping T2.
  'topic reset': {
    events: {
      T1: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T1' } },
      PA: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T2: { type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 'T2' } },
      MB: { type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'ban' } },
    },
    edges: [
      ['END', 'MB', 'T2', 'PA', 'T1', 'START'],
      ['END', 'T1'],
    ],
    expected: ['T1', 'MB', 'PA'],
  },
  // As 'topic basic', with a message merging the branches and a later topic from Alice, which wins.
  topic: {
    events: {
      T1: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T1' } },
      PA1: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T2: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T2' } },
      PA2: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 0 }) },
      PB: { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T3: { type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 'T3' } },
      MZ1: { type: 'm.room.message', sender: ZARA, content: { body: 'merge' } },
      T4: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T4' } },
    },
    edges: [
      ['END', 'T4', 'MZ1', 'PA2', 'T2', 'PA1', 'T1', 'START'],
      ['END', 'MZ1', 'T3', 'PB', 'PA1'],
    ],
    expected: ['T4', 'PA2'],
  },
  // PA2 raises the level needed for power levels to 100, so Bob's PB fails. T3 cites PA2 (mainline
  // position 0) and T4 cites the failed PB, whose base PA1 is further down the mainline: T4 sorts
  // first and T3 is applied last, although T4 is the later event.
  'mainline sort': {
    events: {
      T1: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T1' } },
      PA1: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T2: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T2' } },
      PA2: { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }, { events: { 'm.room.power_levels': 100 } }) },
      PB: { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      T3: { type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 'T3' } },
      T4: { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T4' } },
    },
    edges: [
      ['END', 'T3', 'PA2', 'T2', 'PA1', 'T1', 'START'],
      ['END', 'T4', 'PB', 'PA1'],
    ],
    expected: ['T3', 'PA2'],
  },
};

describe.each(V2_VERSIONS)('classic scenarios, room version %s', (version) => {
  it.each(Object.keys(scenarios))('%s', async (name) => {
    const scenario = scenarios[name]!;
    const { dag, resolved, expected } = await runScenario(version, adjustForVersion(version, scenario));
    expect(named(dag, resolved)).toEqual(named(dag, expected));
  });
});

/** v12 creators may not appear in `users` (MSC4289): drop alice from every power levels event. */
function adjustForVersion(version: string, scenario: Scenario): Scenario {
  if (version !== '12') return scenario;
  const events: Scenario['events'] = {};
  for (const [name, spec] of Object.entries(scenario.events)) {
    if (spec.type !== 'm.room.power_levels') {
      events[name] = spec;
      continue;
    }
    const content = { ...(spec.content ?? {}) } as Record<string, unknown>;
    const users = { ...(content.users as Record<string, number>) };
    delete users[ALICE];
    events[name] = { ...spec, content: { ...content, users } as typeof spec.content };
  }
  return { ...scenario, events };
}
