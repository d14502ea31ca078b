// Benchmark: the testbed — how long until three in-process servers answer on their ports (what `dagmar testbed
// up` waits for before printing its URLs), and, in the partition example (test/scenarios/partition-heal.json),
// how long after the heal until the three servers agree again. Medians of several rounds; one server's start
// is measured in the same run as the baseline the three-server figure is read against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '../../src/testbed/scenario-run';
import { parseScenario } from '../../src/testbed/scenario-validate';
import { startTestbedInstance } from '../../src/testbed/testbed-instance';
import { benchLine } from './support/measure';

const ROUNDS = 7;
const SCENARIO = join(__dirname, '..', '..', 'test', 'scenarios', 'partition-heal.json');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** From nothing to every server answering GET /_matrix/client/versions. */
async function upAndAnswering(servers: string[]): Promise<number> {
  const start = performance.now();
  const tb = await startTestbedInstance({ servers });
  try {
    await Promise.all(
      tb.testbed.servers.map(async (hs) => {
        const res = await fetch(`${hs.url()}/_matrix/client/versions`);
        if (res.status !== 200) throw new Error(`${hs.serverName} answered ${res.status}`);
      }),
    );
    return performance.now() - start;
  } finally {
    await tb.stop();
  }
}

/** The partition example; the expectConverged step right after the heal. */
async function convergeAfterHeal(): Promise<number> {
  const scenario = parseScenario(readFileSync(SCENARIO, 'utf8'), SCENARIO);
  const healAt = scenario.steps.findIndex((s) => s.do === 'heal');
  const { report } = await runScenario(scenario, 'partition-heal.json', { print: () => {} });
  if (report.failed > 0) throw new Error(`the partition scenario failed: ${JSON.stringify(report.steps.filter((s) => !s.ok))}`);
  const after = report.convergence.find((c) => c.step > healAt);
  if (!after) throw new Error('no expectConverged after the heal');
  // The heal step itself and the message between it and the check count too: time from the heal.
  const between = report.steps.filter((s) => s.index >= healAt && s.index < after.step).reduce((sum, s) => sum + s.ms, 0);
  return between + after.ms;
}

async function main(): Promise<void> {
  await upAndAnswering(['warm.bench']); // first-load costs (modules, SQLite) out of the figures
  const one: number[] = [];
  const three: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    one.push(await upAndAnswering(['a.bench']));
    three.push(await upAndAnswering(['a.bench', 'b.bench', 'c.bench']));
  }
  const heal: number[] = [];
  for (let i = 0; i < ROUNDS; i++) heal.push(await convergeAfterHeal());
  console.log(`one server up and answering: median ${median(one).toFixed(1)} ms; three: ${three.map((t) => t.toFixed(0)).join(', ')} ms (${(median(three) / median(one)).toFixed(2)}× one)`);
  console.log(`partition example, heal → converged: ${heal.map((t) => t.toFixed(0)).join(', ')} ms (${ROUNDS} rounds)`);
  benchLine('testbed-up-3-servers-ms', median(three), 'ms', '<=', 1000);
  benchLine('testbed-converge-after-heal-ms', median(heal), 'ms', '<=', 2000);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
