// The scenario validator: a valid file in either format parses with each step's line; every kind of mistake
// is refused with the line (YAML and JSON alike) and the JSON path of what is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, ScenarioError, ScenarioProblem, validateSteps } from '../../src/testbed/scenario-validate';

const SCENARIOS = join(__dirname, '..', 'scenarios');

function problemsOf(text: string, file: string): ScenarioProblem[] {
  try {
    parseScenario(text, file);
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
  throw new Error('the scenario was accepted');
}

const yamlScenario = (steps: string) => `servers: [a.test, b.test]\nlight: [policy.test]\nsteps:\n  - { do: createRoom, server: a.test, user: alice, room: r }\n${steps}`;

test.each(['partition-heal.json', 'state-conflict.yaml', 'light-ban-spammer.yaml', 'lossy-link-anti-entropy.yaml'])('%s parses, each step with its line', (file) => {
  const text = readFileSync(join(SCENARIOS, file), 'utf8');
  const scenario = parseScenario(text, file);
  expect(scenario.steps.length).toBeGreaterThan(5);
  const lines = text.split('\n');
  for (const [i, line] of scenario.stepLines.entries()) expect(lines[line - 1]).toContain(`${scenario.steps[i]!.do}`);
});

/** The example of issue 15, as it was written there: the format is that one. */
const ISSUE_EXAMPLE = `
{ "servers": ["a.test", "b.test", "c.test"], "light": ["policy.test"], "roomVersion": "12",
  "steps": [
    { "do": "createRoom", "server": "a.test", "user": "alice", "room": "r", "preset": "public_chat" },
    { "do": "join", "server": "b.test", "user": "bob", "room": "r" },
    { "do": "send", "server": "a.test", "user": "alice", "room": "r", "count": 5 },
    { "do": "setState", "server": "b.test", "user": "bob", "room": "r", "type": "m.room.topic", "stateKey": "", "content": { "topic": "t" } },
    { "do": "partition", "groups": [["a.test"], ["b.test", "c.test"]], "mode": "drop" },
    { "do": "link", "from": "a.test", "to": "c.test", "mode": "delay", "delayMs": 200 },
    { "do": "heal" },
    { "do": "wait", "ms": 500 },
    { "do": "lightJoin", "server": "policy.test", "user": "policy", "room": "r", "via": "a.test" },
    { "do": "lightSend", "server": "policy.test", "user": "policy", "room": "r", "via": ["a.test"], "type": "m.room.member", "stateKey": "@bob:b.test", "content": { "membership": "ban" } },
    { "do": "expectConverged", "room": "r", "timeoutMs": 20000, "noNewEvents": true },
    { "do": "expectExtremities", "server": "a.test", "room": "r", "count": 1 },
    { "do": "expectState", "server": "c.test", "room": "r", "type": "m.room.member", "stateKey": "@bob:b.test", "content": { "membership": "ban" } },
    { "do": "expectLightState", "server": "policy.test", "room": "r", "via": ["b.test"], "matches": "b.test" }
  ] }
`;

test("the issue's example parses, every step at its line", () => {
  const scenario = parseScenario(ISSUE_EXAMPLE, 'issue.json');
  expect(scenario).toMatchObject({ servers: ['a.test', 'b.test', 'c.test'], light: ['policy.test'], roomVersion: '12' });
  expect(scenario.steps.map((s) => s.do)).toEqual(['createRoom', 'join', 'send', 'setState', 'partition', 'link', 'heal', 'wait', 'lightJoin', 'lightSend', 'expectConverged', 'expectExtremities', 'expectState', 'expectLightState']);
  expect(scenario.stepLines).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
});

test('YAML: an unknown step is refused with its line and the known steps', () => {
  const [p] = problemsOf(yamlScenario('  - { do: heal }\n  - { do: explode, server: a.test }\n'), 's.yaml');
  expect(p).toMatchObject({ line: 6, path: 'steps[2].do' });
  expect(p!.message).toMatch(/unknown step "explode" \(known: createRoom, join, send/);
});

test('YAML: an unknown field is refused at the line of its key', () => {
  const problems = problemsOf(yamlScenario('  - do: send\n    server: a.test\n    user: alice\n    room: r\n    cout: 5\n'), 's.yaml');
  expect(problems).toEqual([{ line: 9, path: 'steps[1].cout', message: expect.stringContaining('unknown field "cout" for send') }]);
});

test('JSON: the step index, the JSON path and the line', () => {
  const text = ['{ "servers": ["a.test"],', '  "steps": [', '    { "do": "createRoom", "server": "a.test", "user": "alice", "room": "r" },', '    { "do": "send", "server": "a.test", "user": "alice", "room": "r", "count": "five" }', '  ] }'].join('\n');
  expect(problemsOf(text, 's.json')).toEqual([{ line: 4, path: 'steps[1].count', message: 'must be a positive integer' }]);
});

test('JSON that does not parse: the line of the error', () => {
  const [p] = problemsOf('{ "servers": ["a.test"],\n  "steps": [\n    { "do": "heal", }\n  ] }', 's.json');
  expect(p).toMatchObject({ line: 3, path: '(file)' });
  expect(p!.message).toMatch(/not valid JSON/);
});

test('YAML that does not parse: the line of the error', () => {
  const [p] = problemsOf('servers: [a.test]\nsteps:\n  - { do: heal\n', 's.yaml');
  expect(p?.line).toBeGreaterThanOrEqual(3);
});

test('names nothing defines: rooms, servers, light servers, event labels', () => {
  const problems = problemsOf(
    yamlScenario(
      [
        '  - { do: send, server: c.test, user: alice, room: r }',
        '  - { do: join, server: b.test, user: bob, room: nowhere }',
        '  - { do: lightJoin, server: a.test, user: p, room: r, via: a.test }',
        '  - { do: sendAs, server: a.test, user: alice, room: r, type: m.room.message, content: {}, prevEvents: [x] }',
        '  - { do: sendAs, server: a.test, user: alice, room: r, type: m.room.message, content: {}, label: x }',
        '  - { do: sendAs, server: a.test, user: "@alice:b.test", room: r, type: m.room.message, content: {}, prevEvents: [x] }',
        '',
      ].join('\n'),
    ),
    's.yaml',
  );
  expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
    [5, 'steps[1].server', expect.stringContaining('"c.test" is not one of the servers')],
    [6, 'steps[2].room', 'no earlier createRoom step made room "nowhere"'],
    [7, 'steps[3].server', expect.stringContaining('"a.test" is not one of the light servers')],
    [8, 'steps[4].prevEvents', 'no earlier step labelled "x"'],
    // The label defined on line 9 is known from then on; the user is checked against the step's server.
    [10, 'steps[6].user', '@alice:b.test is not a user of a.test'],
  ]);
});

test('missing and wrongly combined fields', () => {
  const problems = problemsOf(
    yamlScenario(['  - { do: link, from: a.test, to: b.test, mode: delay }', '  - { do: link, from: a.test, to: a.test, mode: down, delayMs: 5 }', '  - { do: partition, groups: [[a.test], [a.test]] }', '  - { do: expectExtremities, server: a.test, room: r }', ''].join('\n')),
    's.yaml',
  );
  expect(problems.map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
    '5 steps[1]: mode "delay" needs "delayMs"',
    '6 steps[2].delayMs: delayMs goes with mode "delay" only',
    '6 steps[2].to: a link joins two different servers',
    '7 steps[3].groups: a server is in two groups',
    '8 steps[4]: expectExtremities needs "count"',
  ]);
});

test('top level: unknown fields, no servers, a room created twice', () => {
  const problems = problemsOf('servres: [a.test]\nsteps:\n  - { do: createRoom, server: a.test, user: u, room: r }\n  - { do: createRoom, server: a.test, user: u, room: r }\n', 's.yaml');
  expect(problems.map((p) => `${p.line ?? '-'} ${p.path}: ${p.message}`)).toEqual([
    expect.stringMatching(/^1 servres: unknown field "servres"/),
    expect.stringMatching(/: a scenario needs "servers"$/),
    expect.stringMatching(/^3 steps\[0\]\.server: "a\.test" is not one of the servers/),
    expect.stringMatching(/^4 steps\[1\]\.server/),
    '4 steps[1].room: room "r" is created twice',
  ]);
});

test('validateSteps alone (the control API): names known from earlier runs count, and new ones are added', () => {
  const names = { fullServers: ['a.test'], lightServers: [], rooms: new Set(['r']), events: new Set<string>() };
  expect(validateSteps([{ do: 'sendAs', server: 'a.test', user: 'alice', room: 'r', type: 'm.room.message', content: {}, label: 'e1' }], names)).toEqual([]);
  expect(names.events.has('e1')).toBe(true);
  expect(validateSteps({ do: 'heal' }, names)).toEqual([{ path: 'steps', message: 'must be a list of steps' }]);
  expect(validateSteps([{ do: 'heal', now: true }], names, undefined, ['body'])).toEqual([{ path: 'body[0].now', message: expect.stringContaining('unknown field "now" for heal') }]);
});
