// Room version 1's state resolution: depth/sha1 ordering, the auth passes, and its known join-rule weakness.
import { createHash } from 'node:crypto';
import { resolveState, stateKey } from '../../src/state';
import { ALICE, BOB, CHARLIE, ELLA, ResolvingDag, ZARA } from './support/resolving-dag';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const PL_KEY = stateKey('m.room.power_levels', '');
const TOPIC_KEY = stateKey('m.room.topic', '');

describe('room version 1', () => {
  it('picks the deepest allowed topic', async () => {
    const dag = new ResolvingDag('1');
    await dag.start();
    await dag.add('T1', { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T1' }, prev: ['START'] });
    await dag.add('M', { type: 'm.room.message', sender: ALICE, content: { body: 'x' }, prev: ['START'] });
    await dag.add('T2', { type: 'm.room.topic', sender: BOB, stateKey: '', content: { topic: 'T2' }, prev: ['M'] });
    await dag.add('T3', { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T3' }, prev: ['M'] });
    // T2 and T3 are deeper than T1, but Bob (level 0) may not set the topic: T3 and T1 remain.
    const one = await resolveState('1', [dag.stateAfter('T1'), dag.stateAfter('T2')], dag.fetch);
    expect(one.get(TOPIC_KEY)).toBe(dag.id('T1'));
    const two = await resolveState('1', [dag.stateAfter('T1'), dag.stateAfter('T3')], dag.fetch);
    expect(two.get(TOPIC_KEY)).toBe(dag.id('T3'));
  });

  it('breaks a depth tie by the lowest sha1 of the event ID', async () => {
    const dag = new ResolvingDag('1');
    await dag.start();
    await dag.add('Ta', { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'a' }, prev: ['START'] });
    await dag.add('Tb', { type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'b' }, prev: ['START'] });
    const resolved = await resolveState('1', [dag.stateAfter('Ta'), dag.stateAfter('Tb')], dag.fetch);
    const winner = sha1(dag.id('Ta')) < sha1(dag.id('Tb')) ? 'Ta' : 'Tb';
    expect(resolved.get(TOPIC_KEY)).toBe(dag.id(winner));
  });

  it('walks power levels up from the shallowest while each is allowed', async () => {
    const dag = new ResolvingDag('1');
    await dag.start({ [BOB]: 50, [CHARLIE]: 50 });
    await dag.add('PA', { type: 'm.room.power_levels', sender: ALICE, stateKey: '', content: { users: { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }, state_default: 40 }, prev: ['START'] });
    await dag.add('M', { type: 'm.room.message', sender: ALICE, content: { body: 'x' }, prev: ['START'] });
    // Deeper, and allowed after PA: Bob only adds Zara at a level below his own.
    await dag.add('PB', { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: { users: { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50, [ZARA]: 10 }, state_default: 40 }, prev: ['M'] });
    // Deeper, but not allowed after PA: Bob removes Charlie, whose level equals his.
    await dag.add('PC', { type: 'm.room.power_levels', sender: BOB, stateKey: '', content: { users: { [ALICE]: 100, [BOB]: 50 }, state_default: 40 }, prev: ['M'] });
    const allowed = await resolveState('1', [dag.stateAfter('PA'), dag.stateAfter('PB')], dag.fetch);
    expect(allowed.get(PL_KEY)).toBe(dag.id('PB'));
    const refused = await resolveState('1', [dag.stateAfter('PA'), dag.stateAfter('PC')], dag.fetch);
    expect(refused.get(PL_KEY)).toBe(dag.id('PA'));
  });

  // The weakness room version 2 fixed: a key missing from one state set is not a conflict in v1, so a join
  // concurrent with a switch to invite-only survives (v2 rejects it; see the classic scenarios).
  it('lets a concurrent join evade a join rules change (unlike v2)', async () => {
    for (const [version, survives] of [['1', true], ['2', false]] as const) {
      const dag = new ResolvingDag(version);
      await dag.start();
      await dag.add('JR', { type: 'm.room.join_rules', sender: ALICE, stateKey: '', content: { join_rule: 'invite' }, prev: ['START'] });
      await dag.add('ME', { type: 'm.room.member', sender: ELLA, stateKey: ELLA, content: { membership: 'join' }, prev: ['START'] });
      const resolved = await resolveState(version, [dag.stateAfter('JR'), dag.stateAfter('ME')], dag.fetch);
      expect(resolved.get(stateKey('m.room.join_rules', ''))).toBe(dag.id('JR'));
      expect(resolved.get(stateKey('m.room.member', ELLA))).toBe(survives ? dag.id('ME') : undefined);
    }
  });
});
