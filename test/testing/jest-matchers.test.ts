// dagmar's jest matchers: each passes on a real server's DAG and fails with a message that names the
// difference and prints the events around it.
import type { Homeserver } from '../../src/homeserver';
import { DagBuilder, loadDag, startTestHomeserver } from '../../src/testing';
import '../../src/testing/jest';

const ALICE = '@alice:a.test';

let hs: Homeserver;
let other: Homeserver;
let dag: DagBuilder;

beforeAll(async () => {
  hs = await startTestHomeserver('hs.test');
  other = await startTestHomeserver('other.test');
  dag = new DagBuilder({ roomVersion: '12', servers: ['a.test'], seed: 'matchers' });
  dag
    .create(ALICE)
    .join('@bob:a.test')
    .fork('left', (d) => d.state('m.room.topic', '', { topic: 'L' }))
    .fork('right', (d) => d.state('m.room.topic', '', { topic: 'R' }));
  await loadDag(hs, dag);
  await loadDag(other, dag);
});

afterAll(async () => {
  await hs.stop();
  await other.stop();
});

/** The message of a failed expectation (the matcher must fail for this to return). */
function failure(run: () => void): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the expectation passed');
}

test('toHaveForwardExtremities: names through the DagBuilder, or IDs, any order', () => {
  expect(hs).toHaveForwardExtremities(dag.roomId, ['right', 'left'], { dag });
  expect(hs).toHaveForwardExtremities(dag.roomId, dag.forwardExtremities().eventIds);
  expect(hs).toHaveForwardExtremities(dag.roomId, ['L', 'R'], { names: { L: dag.eventId('left'), R: dag.eventId('right') } });
  expect(hs).not.toHaveForwardExtremities(dag.roomId, ['left'], { dag });
});

test('toHaveForwardExtremities failure: expected and actual by name, and the DAG around the extra extremity', () => {
  const message = failure(() => expect(hs).toHaveForwardExtremities(dag.roomId, ['left'], { dag }));
  expect(message).toContain(`expected hs.test's forward extremities of ${dag.roomId} to be\n  left (${dag.eventId('left')})`);
  expect(message).toMatch(/but they are\n {2}.*right \(\$/);
  expect(message).toContain('around the difference');
  // The differing extremity, flagged, with its parent chain (the bob join, then the history visibility before it).
  expect(message).toMatch(/right \(\$[^)]+\) {2}m\.room\.topic "" by @alice:a\.test depth=\d+ prev=\[e\d+ \(\$[^)]+\)\] \[forward\]/);
  expect(message).toContain('m.room.member "@bob:a.test" by @bob:a.test');
  expect(message).not.toMatch(/ {2}left \(\$[^)]+\) {2}m\.room\.topic/);
});

test('an unknown name is an error that says how to name events', () => {
  expect(() => expect(hs).toHaveForwardExtremities(dag.roomId, ['nope'])).toThrow(/cannot resolve the name "nope" \(pass \{ dag \} or \{ names \}/);
});

test('toHaveCurrentState: by type for empty state keys, triples, or a StateMap from the builder', () => {
  expect(hs).toHaveCurrentState(dag.roomId, [['m.room.member', '@bob:a.test', dag.eventId('e5')]], { dag });
  expect(hs).toHaveCurrentState(dag.roomId, dag.currentState(), { exact: true });
  const topic = dag.currentState().get(JSON.stringify(['m.room.topic', '']))!;
  expect(hs).toHaveCurrentState(dag.roomId, { 'm.room.topic': topic });
  const loser = topic === dag.eventId('left') ? 'right' : 'left';
  const message = failure(() => expect(hs).toHaveCurrentState(dag.roomId, { 'm.room.topic': loser }, { dag }));
  expect(message).toContain(`(m.room.topic, ""): expected ${loser} (${dag.eventId(loser)}), got ${dag.name(topic)} (${topic})`);
  expect(message).toContain(`DAG of ${dag.roomId} on hs.test around the difference`);
  expect(failure(() => expect(hs).toHaveCurrentState(dag.roomId, { 'm.room.name': '$missing' }))).toContain('(m.room.name, ""): expected $missing, got nothing');
});

test('toHaveConvergedWith: same events, extremities and state passes; one more event on one side fails naming it', async () => {
  expect(hs).toHaveConvergedWith([other], dag.roomId, { dag });
  const more = new DagBuilder({ roomVersion: '12', servers: ['a.test'], seed: 'matchers' });
  more
    .create(ALICE)
    .join('@bob:a.test')
    .fork('left', (d) => d.state('m.room.topic', '', { topic: 'L' }))
    .fork('right', (d) => d.state('m.room.topic', '', { topic: 'R' }))
    .merge('left', 'right', 'M');
  await more.build();
  const third = await startTestHomeserver('third.test');
  try {
    await loadDag(third, more);
    const message = failure(() => expect(hs).toHaveConvergedWith([other, third], dag.roomId, { dag: more }));
    expect(message).toContain('expected hs.test, other.test, third.test to have converged');
    expect(message).toContain(`events: only on hs.test: -; only on third.test: M (${more.eventId('M')})`);
    expect(message).toMatch(/forward extremities: hs\.test has (left|right) .*; third\.test has M \(/);
    expect(message).toContain(`DAG of ${dag.roomId} on third.test around the difference`);
    expect(message).toMatch(/M \(\$[^)]+\) {2}org\.matrix\.dummy_event by @alice:a\.test depth=\d+ prev=\[.*left.*right.*\] \[forward\]|M \(\$[^)]+\) {2}org\.matrix\.dummy_event by @alice:a\.test depth=\d+ prev=\[.*right.*left.*\] \[forward\]/);
    expect(message).not.toContain('other.test around the difference');
  } finally {
    await third.stop();
  }
});
