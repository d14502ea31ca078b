// Every scenario under test/scenarios/ run through `dagmar testbed run` (the CLI's entry point, in process):
// exit 0, a line per step, `N passed, 0 failed`, and a report with timings, event counts, convergence and DAGs.
// A scenario whose expectation is false fails the run, and the report says which step and why.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { ScenarioReport } from '../../src/testbed/scenario-run';

const SCENARIOS = join(__dirname, '..', 'scenarios');
let dir: string;
let printed: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-scenario-'));
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function run(file: string, ...flags: string[]): Promise<{ code: number; lines: string[]; report: ScenarioReport }> {
  const reportFile = join(dir, 'report.json');
  const code = await main(['testbed', 'run', file, '--report', reportFile, ...flags]);
  return { code, lines: printed.join('').trimEnd().split('\n'), report: JSON.parse(readFileSync(reportFile, 'utf8')) as ScenarioReport };
}

const files = readdirSync(SCENARIOS).filter((f) => /\.(json|ya?ml)$/.test(f));

test('the four scenarios of the issue are there', () => {
  expect(files.sort()).toEqual(['light-ban-spammer.yaml', 'lossy-link-anti-entropy.yaml', 'partition-heal.json', 'state-conflict.yaml']);
});

test.each(files)('%s passes', async (file) => {
  const { code, lines, report } = await run(join(SCENARIOS, file));
  expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
  expect(code).toBe(0);
  expect(lines.at(-1)).toBe(`${report.steps.length} passed, 0 failed`);
  expect(lines.filter((l) => /^ok {3}line \d+: /.test(l))).toHaveLength(report.steps.length);
  expect(report).toMatchObject({ failed: 0, notRun: 0 });
  expect(report.steps.every((s) => s.ok && s.ms >= 0 && s.line! > 0)).toBe(true);
  // Converged rooms: every server holds the same number of events of room r since all joined before anything was sent.
  const counts = Object.values(report.eventCounts).map((c) => c.r);
  expect(new Set(counts).size).toBe(1);
  expect(report.convergence.length).toBeGreaterThanOrEqual(1);
  expect(Object.keys(report.dags.r!).sort()).toEqual(['a.test', 'b.test', 'c.test']);
  expect((report.dags.r!['a.test'] as { events: unknown[] }).events).toHaveLength(counts[0]!);
}, 60_000);

test('a false expectation fails the run: exit 1, the FAIL line says why, the rest still runs; --html writes the DAGs', async () => {
  const file = join(dir, 'wrong.yaml');
  writeFileSync(
    file,
    [
      'servers: [a.test, b.test]',
      'steps:',
      '  - { do: createRoom, server: a.test, user: alice, room: r, preset: public_chat }',
      '  - { do: join, server: b.test, user: bob, room: r }',
      '  - { do: expectExtremities, server: a.test, room: r, count: 3 }',
      '  - { do: expectState, server: b.test, room: r, type: m.room.member, stateKey: "@bob:b.test", content: { membership: join } }',
      '',
    ].join('\n'),
  );
  const html = join(dir, 'dags.html');
  const { code, lines, report } = await run(file, '--html', html);
  expect(code).toBe(1);
  expect(lines.at(-1)).toBe('3 passed, 1 failed');
  const fail = lines.findIndex((l) => l.startsWith('FAIL line 5: expectExtremities'));
  expect(fail).toBeGreaterThan(0);
  expect(lines[fail + 1]).toMatch(/a\.test has 1 forward extremities, expected 3/);
  expect(report.steps.map((s) => s.ok)).toEqual([true, true, false, true]);
  const page = readFileSync(html, 'utf8');
  expect(page).toContain('<svg');
  expect(page).toContain('a.test · r');
  expect(page).toContain('b.test · r');
});

test('a failed action stops the run: the steps after it are not run, and the run fails', async () => {
  const file = join(dir, 'forbidden.json');
  // Bob is not in the room: his message is refused by the auth rules.
  writeFileSync(file, JSON.stringify({ servers: ['a.test'], steps: [{ do: 'createRoom', server: 'a.test', user: 'alice', room: 'r' }, { do: 'send', server: 'a.test', user: 'bob', room: 'r' }, { do: 'heal' }] }));
  const { code, lines, report } = await run(file);
  expect(code).toBe(1);
  expect(lines.at(-1)).toBe('1 passed, 1 failed (1 not run)');
  expect(report.steps[1]).toMatchObject({ ok: false, error: expect.stringMatching(/.+/) });
});

test('a refused scenario starts nothing: exit 2, the line that is wrong', async () => {
  const file = join(dir, 'typo.yaml');
  writeFileSync(file, 'servers: [a.test]\nsteps:\n  - { do: createRoom, server: a.test, user: alice, room: r }\n  - { do: sned, server: a.test }\n');
  const errors: string[] = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (errors.push(String(chunk)), true));
  expect(await main(['testbed', 'run', file])).toBe(2);
  expect(errors.join('')).toContain(`${file}:4: steps[1].do: unknown step "sned"`);
  expect(printed.join('')).not.toContain('started');
});
