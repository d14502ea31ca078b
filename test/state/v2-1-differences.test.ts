// State resolution v2.1 (room version 12, MSC4297) against v2: the two state resets the MSC fixes, and the subgraph itself.
import { EventLoader } from '../../src/state/event-loader';
import { conflictedSubgraph } from '../../src/state/conflicted-subgraph';
import { resolveState, stateKey } from '../../src/state';
import { ALICE, BOB, CHARLIE, DAVE, ResolvingDag } from './support/resolving-dag';

const JR_KEY = stateKey('m.room.join_rules', '');
const PL_KEY = stateKey('m.room.power_levels', '');

describe.each([
  ['2', 'v2'],
  ['10', 'v2'],
  ['11', 'v2'],
  ['12', 'v2.1'],
])('room version %s (%s)', (version, algorithm) => {
  // MSC4297 problem A. Alice makes the room invite-only (J2) and then leaves. One fork's state (obtained
  // by a partial sync, say) still holds the original join rules. Both forks agree that Alice has left.
  // v2 replays both join rules on top of the unconflicted state, where Alice is not joined, so both fail
  // and the room loses its join rules. v2.1 starts from an empty state, so each is checked against its
  // own auth events (where Alice is joined) and J2 wins.
  it('problem A: conflicted events unauthorised by the unconflicted state', async () => {
    const dag = new ResolvingDag(version);
    await dag.start();
    await dag.add('J2', { type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'invite' }, prev: ['START'] });
    await dag.add('AL', { type: 'm.room.member', sender: ALICE, stateKey: ALICE, content: { membership: 'leave' }, prev: ['J2'] });
    const current = dag.stateAfter('AL');
    const outdated = dag.stateAfter('AL');
    outdated.set(JR_KEY, dag.id('IJR'));

    const resolved = await resolveState(version, [current, outdated], dag.fetch);

    if (algorithm === 'v2.1') expect(resolved.get(JR_KEY)).toBe(dag.id('J2'));
    else expect(resolved.has(JR_KEY)).toBe(false);
    expect(resolved.get(stateKey('m.room.member', ALICE))).toBe(dag.id('AL'));
  });

  // MSC4297 problem B. Alice promotes Bob (P1); Bob promotes Charlie (P2); Dave joins after that, citing P2.
  // One fork's state claims the power levels are still the initial ones. Everything between the two
  // conflicted power levels is in both auth chains, so the auth difference is empty and v2 replays the
  // initial power levels and P2 alone: P2 fails (Bob has no power without P1) and the state resets.
  // v2.1 adds the conflicted state subgraph (P1 lies on the path P2 → P1 → IPOWER) and P2 wins.
  it('problem B: conflicted events that need events between them', async () => {
    const dag = new ResolvingDag(version);
    await dag.start();
    await dag.add('P1', { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: dag.users({ [ALICE]: 100, [BOB]: 50 }) }, prev: ['START'] });
    await dag.add('P2', { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: { users: dag.users({ [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }) }, prev: ['P1'] });
    await dag.add('MD', { type: 'm.room.member', sender: DAVE, stateKey: DAVE, content: { membership: 'join' }, prev: ['P2'] });
    expect(dag.node('MD').authEventIds).toContain(dag.id('P2'));
    const current = dag.stateAfter('MD');
    const outdated = dag.stateAfter('MD');
    outdated.set(PL_KEY, dag.id('IPOWER'));

    const resolved = await resolveState(version, [current, outdated], dag.fetch);

    expect(resolved.get(PL_KEY)).toBe(dag.id(algorithm === 'v2.1' ? 'P2' : 'IPOWER'));
  });
});

describe('conflicted state subgraph', () => {
  //     C1 ──► m ──► n ──► C2 ──► create        subgraph = {C1, m, n, C2}
  //     C1 ──► x ──► create                     x leads to no conflicted event: not included
  it('holds exactly the events on auth paths between conflicted events', async () => {
    const dag = new ResolvingDag('10');
    await dag.start();
    const topic = (name: string, auth: string[]) =>
      dag.add(name, { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: name }, prev: ['START'], auth });
    await topic('C2', ['CREATE']);
    await topic('n', ['C2']);
    await topic('m', ['n']);
    await topic('x', ['CREATE']);
    await topic('C1', ['m', 'x']);
    await topic('C3', ['CREATE']); // a third conflicted event with no path to another: only itself

    const loader = new EventLoader(dag.fetch);
    const subgraph = await conflictedSubgraph(loader, new Set([dag.id('C1'), dag.id('C2'), dag.id('C3')]));

    expect([...subgraph].sort()).toEqual(['C1', 'm', 'n', 'C2', 'C3'].map((n) => dag.id(n)).sort());
  });
});
