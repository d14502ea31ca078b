// Shared benchmark helpers: timing loops and the `BENCH name value unit target op value` result lines.

/** Runs `fn` repeatedly for at least `minMs` (after a warm-up) and returns operations per second. */
export function opsPerSecond(fn: () => void, minMs = 1500): number {
  for (let i = 0; i < 50; i++) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 50; i++) fn();
    ops += 50;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (ops * 1000) / elapsed;
}

/** Prints one headline figure in the form DESIGN.md §5 asks for. */
export function benchLine(name: string, value: number, unit: string, op: '<=' | '>=' | '<' | '>', target: number): void {
  const shown = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 3);
  const met = op === '<=' ? value <= target : op === '>=' ? value >= target : op === '<' ? value < target : value > target;
  console.log(`BENCH ${name} ${shown} ${unit} target ${op} ${target}${met ? '' : '  (MISSED)'}`);
}

/** opsPerSecond for asynchronous operations: each one is awaited before the next starts. */
export async function asyncOpsPerSecond(fn: () => Promise<unknown>, minMs = 1500): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 50; i++) await fn();
    ops += 50;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (ops * 1000) / elapsed;
}

/** Latency percentile (0–100) of a list of milliseconds, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
