// The testbed's control API over real HTTP on the dashboard's port: links, partition and heal change the link
// table the servers' federation clients obey (and the dashboard shows); /steps runs scenario steps with the same
// runner; bad requests are refused before anything runs; each server's client API takes open registration.
import { MatrixClient } from '../client-api/support/matrix-client';
import { TESTBED_PREFIX } from '../../src/testbed/dashboard-server';
import { startTestbedInstance, TestbedInstance } from '../../src/testbed/testbed-instance';

let tb: TestbedInstance;
let base: string;

beforeAll(async () => {
  tb = await startTestbedInstance({ servers: ['a.test', 'b.test', 'c.test'], light: ['policy.test'], roomVersion: '12' });
  base = `${(await tb.startDashboard()).url}${TESTBED_PREFIX}`;
});
afterAll(async () => {
  await tb?.stop();
});

interface Link {
  from: string;
  to: string;
  mode: string;
  delayMs?: number;
}
/** The answers of the control API, as far as the tests read them. */
interface Answer {
  links: Link[];
  passed: number;
  failed: number;
  results: Array<{ ok: boolean; do: string; error?: string }>;
  errcode?: string;
  error?: string;
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Answer };
}
const linkOf = (links: Link[], from: string, to: string) => links.find((l) => l.from === from && l.to === to);

test('the URLs printed at start: every server, the light server, the dashboard and the control API', () => {
  const lines = tb.describe();
  expect(lines.filter((l) => l.startsWith('server '))).toHaveLength(3);
  expect(lines.some((l) => l.startsWith('light  policy.test'))).toBe(true);
  expect(lines).toContain(`control API  ${base}/{links,partition,heal,steps}`);
});

test('POST /links sets one direction or both; the dashboard state shows the real table; heal clears it', async () => {
  const one = await post('/links', { from: 'a.test', to: 'c.test', mode: 'delay', delayMs: 200 });
  expect(one.status).toBe(200);
  expect(linkOf(one.json.links, 'a.test', 'c.test')).toEqual({ from: 'a.test', to: 'c.test', mode: 'delay', delayMs: 200 });
  expect(linkOf(one.json.links, 'c.test', 'a.test')).toMatchObject({ mode: 'up' });
  expect(tb.testbed.linkPolicyOf('a.test').linkTo('c.test')).toEqual({ delayMs: 200 });

  await post('/links', { from: 'b.test', to: 'policy.test', mode: 'drop', both: true });
  const state = (await (await fetch(`${base}/state`)).json()) as { links: Link[] };
  expect(linkOf(state.links, 'b.test', 'policy.test')).toMatchObject({ mode: 'drop' });
  expect(linkOf(state.links, 'policy.test', 'b.test')).toMatchObject({ mode: 'drop' });
  expect(state.links).toHaveLength(12); // every direction between four servers

  const healed = await post('/heal', {});
  expect(healed.json.links.every((l) => l.mode === 'up')).toBe(true);
});

test('POST /partition cuts the servers apart for real: a message on A does not reach B until the heal', async () => {
  const created = await post('/steps', {
    steps: [
      { do: 'createRoom', server: 'a.test', user: 'alice', room: 'p', preset: 'public_chat' },
      { do: 'join', server: 'b.test', user: 'bob', room: 'p' },
      { do: 'expectConverged', room: 'p' },
    ],
  });
  expect(created.json).toMatchObject({ passed: 3, failed: 0 });
  const parted = await post('/partition', { groups: [['a.test'], ['b.test', 'c.test']] });
  expect(linkOf(parted.json.links, 'a.test', 'b.test')).toMatchObject({ mode: 'down' });
  expect(linkOf(parted.json.links, 'b.test', 'c.test')).toMatchObject({ mode: 'up' });
  const apart = await post('/steps', { steps: [{ do: 'send', server: 'a.test', user: 'alice', room: 'p', label: 'm1' }, { do: 'expectConverged', room: 'p', timeoutMs: 500 }] });
  expect(apart.json).toMatchObject({ passed: 1, failed: 1 });
  expect(apart.json.results[1].error).toMatch(/not converged after 500 ms/);
  await post('/heal', {});
  const after = await post('/steps', { steps: [{ do: 'expectConverged', room: 'p', timeoutMs: 20_000 }] });
  expect(after.json.results[0]).toMatchObject({ ok: true, do: 'expectConverged' });
  // Labels stay known across requests: a fork on the message sent before.
  const fork = await post('/steps', { steps: [{ do: 'sendAs', server: 'b.test', user: 'bob', room: 'p', type: 'm.room.message', content: { body: 'fork' }, prevEvents: ['m1'] }] });
  expect(fork.json).toMatchObject({ passed: 1, failed: 0 });
});

test('bad requests are refused before anything runs, naming the field', async () => {
  const before = tb.testbed.links();
  expect(await post('/links', { from: 'a.test', to: 'z.test', mode: 'down' })).toMatchObject({ status: 400, json: { errcode: 'M_BAD_JSON', error: expect.stringContaining('body[0].to: "z.test" is not a server') } });
  expect(await post('/links', { from: 'a.test', to: 'b.test', mode: 'slow' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('body[0].mode') } });
  expect(await post('/partition', { groups: [['a.test']] })).toMatchObject({ status: 400 });
  expect(tb.testbed.links()).toEqual(before);
  // The second step is wrong, so the first (which would create a room) does not run either.
  const rooms = tb.runner.roomLabels().length;
  const bad = await post('/steps', { steps: [{ do: 'createRoom', server: 'a.test', user: 'alice', room: 'q' }, { do: 'send', server: 'a.test', user: 'alice', room: 'nope' }] });
  expect(bad).toMatchObject({ status: 400, json: { error: 'steps[1].room: no earlier createRoom step made room "nope"' } });
  expect(tb.runner.roomLabels()).toHaveLength(rooms);
  expect(await post('/steps', { step: [] })).toMatchObject({ status: 400 });
});

test('each server\'s client API works as usual, with open registration', async () => {
  const a = tb.testbed.get('a.test');
  const alice = await new MatrixClient(a.url()).register('carla');
  const whoami = await alice.ok('GET', '/_matrix/client/v3/account/whoami');
  expect(whoami.user_id).toBe('@carla:a.test');
});
