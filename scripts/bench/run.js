// Benchmark runner: `npm run bench -- NAME` runs scripts/bench/NAME.ts; with no name, every benchmark in turn.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = __dirname;
const available = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const wanted = process.argv.slice(2);
if (wanted.includes('--help') || wanted.includes('-h')) {
  console.log(`usage: npm run bench -- [NAME ...]\navailable: ${available.join(', ')}`);
  process.exit(0);
}
const unknown = wanted.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`\n=== bench ${name}`);
  const run = spawnSync(process.execPath, ['--expose-gc', '-r', path.join(dir, '..', 'ts-register.js'), path.join(dir, `${name}.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
