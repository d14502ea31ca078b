// Benchmark: the embedded fixture's speed — a warm startTestHomeserver, a 1,000-event DagBuilder DAG built and
// loaded with every check, and hs.reset() against stopping and starting a server.
import type { Homeserver } from '../../src/homeserver';
import { DagBuilder } from '../../src/testing/dag-builder';
import { startTestHomeserver } from '../../src/testing/test-federation';
import { benchLine, percentile } from './support/measure';

const STARTS = 30;
const RESETS = 15;

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** 1,000 events: the room's first five, then messages with a two-way fork merged every 50 events. */
function thousandEvents(seed: string): DagBuilder {
  const dag = new DagBuilder({ roomVersion: '12', servers: ['a.bench'], seed });
  dag.create('@alice:a.bench').join('@bob:a.bench');
  let count = 6;
  let round = 0;
  while (count + 49 <= 1000) {
    const left = `l${round}`;
    const right = `r${round}`;
    dag.fork(left, (d) => {
      for (let i = 0; i < 24; i++) d.message(`left ${round}.${i}`);
    });
    dag.fork(right, (d) => {
      for (let i = 0; i < 24; i++) d.message(`right ${round}.${i}`, { sender: '@bob:a.bench' });
    });
    count += 48;
    dag.merge(left, right, `m${round}`);
    count += 1;
    round++;
  }
  while (count < 1000) {
    dag.message(`tail ${count}`);
    count++;
  }
  return dag;
}

async function main(): Promise<void> {
  // Warm start: the first server in a process pays for module loading and SQLite's first open.
  let t = process.hrtime.bigint();
  const cold = await startTestHomeserver('cold.bench');
  const coldMs = ms(t);
  await cold.stop();
  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    t = process.hrtime.bigint();
    const hs = await startTestHomeserver(`warm${i}.bench`);
    starts.push(ms(t));
    await hs.stop();
  }
  const startMedian = percentile(starts, 50);
  console.log(`startTestHomeserver: cold ${coldMs.toFixed(1)} ms; warm median ${startMedian.toFixed(2)} ms, p90 ${percentile(starts, 90).toFixed(2)} ms over ${STARTS}`);

  // 1,000 events built by DagBuilder (signing, auth selection, state resolution at merges) and loaded.
  const hs = await startTestHomeserver('load.bench');
  try {
    await hs.load(thousandEvents('warmup')); // warms the code paths; then a fresh server for the measurement
  } finally {
    await hs.stop();
  }
  const target = await startTestHomeserver('load2.bench');
  let buildMs: number;
  let loadMs: number;
  try {
    t = process.hrtime.bigint();
    const dag = thousandEvents('measured');
    await dag.build();
    buildMs = ms(t);
    t = process.hrtime.bigint();
    const result = await target.load(dag);
    loadMs = ms(t);
    if (dag.events().length !== 1000 || result.counts.accepted !== 1000) throw new Error(`expected 1000 accepted events, got ${JSON.stringify(result.counts)} of ${dag.events().length}`);
    console.log(`1,000-event DAG (two 24-event branches merged, 20 times): built in ${buildMs.toFixed(0)} ms, loaded (checkPdu + ingest) in ${loadMs.toFixed(0)} ms`);
  } finally {
    await target.stop();
  }

  // Reset vs restart, each on a server holding the same 200-event room.
  const smallDag = async (hs: Homeserver) => {
    const d = new DagBuilder({ roomVersion: '12', servers: ['a.bench'], seed: 'r' });
    d.create('@alice:a.bench');
    for (let i = 0; i < 195; i++) d.message(`m${i}`);
    await hs.load(d);
  };
  const resets: number[] = [];
  const restarts: number[] = [];
  const reused = await startTestHomeserver('reset.bench');
  try {
    for (let i = 0; i < RESETS; i++) {
      await smallDag(reused);
      t = process.hrtime.bigint();
      await reused.reset();
      resets.push(ms(t));
    }
  } finally {
    await reused.stop();
  }
  let current = await startTestHomeserver('restart.bench');
  for (let i = 0; i < RESETS; i++) {
    await smallDag(current);
    t = process.hrtime.bigint();
    await current.stop();
    current = await startTestHomeserver('restart.bench');
    restarts.push(ms(t));
  }
  await current.stop();
  const resetMedian = percentile(resets, 50);
  const restartMedian = percentile(restarts, 50);
  console.log(`emptying a server holding a 200-event room: reset median ${resetMedian.toFixed(2)} ms, stop + start median ${restartMedian.toFixed(2)} ms`);

  benchLine('fixture-start-ms', startMedian, 'ms', '<=', 10);
  benchLine('fixture-load-1k-events-ms', buildMs + loadMs, 'ms', '<=', 500);
  benchLine('fixture-reset-vs-restart', resetMedian / restartMedian, 'ratio', '<=', 0.5);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
