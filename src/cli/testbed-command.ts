// `dagmar testbed run SCENARIO` and `dagmar testbed up --servers …`: a local federation you script, break and
// watch (src/testbed/). run exits 0 only when every step held; up (and run --keep) stays until SIGINT/SIGTERM.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TESTBED_PREFIX } from '../testbed/dashboard-server';
import { runScenario } from '../testbed/scenario-run';
import { parseScenario, ScenarioError } from '../testbed/scenario-validate';
import { startTestbedInstance, TestbedInstance } from '../testbed/testbed-instance';
import { CliCommand } from './cli-command';

const USAGE = [
  'dagmar testbed run SCENARIO.json|yaml [--report FILE.json] [--html FILE.html] [--keep] [--port N]',
  '       dagmar testbed up --servers a.test,b.test,c.test [--light policy.test] [--port 8100] [--data-dir DIR]',
].join('\n');

/** Resolves on the first SIGINT/SIGTERM; a second one while stopping exits at once. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(130));
      done(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function names(value: string | boolean | undefined): string[] {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}

function port(value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`--port must be a port number, not ${String(value)}`);
  return n;
}

/** Prints the URLs, then waits for a signal and stops everything. */
async function stayUp(instance: TestbedInstance, wanted: number): Promise<void> {
  await instance.startDashboard(wanted);
  for (const line of instance.describe()) process.stdout.write(`${line}\n`);
  process.stdout.write('testbed up; Ctrl-C stops it\n');
  await nextSignal();
  await instance.stop();
}

async function run(values: Record<string, string | boolean | undefined>, file: string): Promise<number> {
  let scenario;
  try {
    scenario = parseScenario(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    process.stderr.write(`dagmar testbed: the scenario is refused, nothing was started:\n${e.message}\n`);
    return 2;
  }
  const { report, html, instance } = await runScenario(scenario, basename(file), {
    print: (line) => process.stdout.write(`${line}\n`),
    keep: values.keep === true,
    html: typeof values.html === 'string',
    ...(typeof values['data-dir'] === 'string' ? { dataDir: values['data-dir'] } : {}),
  });
  if (typeof values.report === 'string') writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
  if (typeof values.html === 'string' && html !== undefined) writeFileSync(values.html, html);
  if (values.keep === true) await stayUp(instance, port(values.port, 0));
  return report.failed > 0 || report.notRun > 0 ? 1 : 0;
}

async function up(values: Record<string, string | boolean | undefined>): Promise<number> {
  const servers = names(values.servers);
  if (servers.length === 0) {
    process.stderr.write(`dagmar testbed up: --servers names the servers (a.test,b.test,c.test)\nusage: ${USAGE}\n`);
    return 2;
  }
  const wanted = port(values.port, 8100);
  const instance = await startTestbedInstance({
    servers,
    light: names(values.light),
    // Predictable addresses next to the dashboard's (8101, 8102, … for 8100), unless any free port was asked for.
    ...(wanted > 0 ? { firstServerPort: wanted + 1 } : {}),
    ...(typeof values['data-dir'] === 'string' ? { dataDir: values['data-dir'], server: { logLevel: 'warn' } } : {}),
  });
  process.stdout.write(`control API: POST ${TESTBED_PREFIX}/links {"from","to","mode","delayMs","both"}, /partition {"groups"}, /heal, /steps {"steps"}\n`);
  await stayUp(instance, wanted);
  return 0;
}

export const testbedCommand: CliCommand = {
  name: 'testbed',
  summary: 'testbed run SCENARIO | testbed up --servers …: a local federation of in-process servers you script, break and watch',
  usage: USAGE,
  options: {
    report: { type: 'string', help: 'run: write the report (step timings, event counts, convergence times, final DAGs) as JSON here' },
    html: { type: 'string', help: 'run: write a self-contained HTML page of the final DAGs here' },
    keep: { type: 'boolean', help: 'run: keep the servers, dashboard and control API up afterwards, until SIGINT/SIGTERM' },
    servers: { type: 'string', help: 'up: full servers, comma-separated (a.test,b.test,c.test)' },
    light: { type: 'string', help: 'up: light servers (MSC4370 callers), comma-separated' },
    port: { type: 'string', help: 'port of the dashboard and control API (up: default 8100, the servers on the ports after it; run --keep: any free one; 0 = any)' },
    'data-dir': { type: 'string', help: 'a directory with one data directory per server (default: everything in memory)' },
  },
  async run(values, positionals) {
    const [action, ...rest] = positionals;
    if (action === 'run' && rest.length === 1) return run(values, rest[0]!);
    if (action === 'up' && rest.length === 0) return up(values);
    process.stderr.write(`dagmar testbed: expected \`testbed run SCENARIO\` or \`testbed up --servers …\`\nusage: ${USAGE}\n`);
    return 2;
  },
};
