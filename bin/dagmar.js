#!/usr/bin/env node
// The `dagmar` executable. It runs the compiled dist/ whenever that is current: always in an installed package
// (which ships dist/ and no src/), and in a source checkout when dist/ was built from exactly these sources
// (`npm run build`, `npm ci`'s prepare, or the test suite's globalSetup). Otherwise a checkout runs src/ through
// the TypeScript register hook (slower to start, but never stale).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const compiled = path.join(root, 'dist', 'cli', 'main.js');
const source = path.join(root, 'src', 'cli', 'main.ts');
const buildScript = path.join(root, 'scripts', 'build-dist.js');
const canTranspile = fs.existsSync(source) && fs.existsSync(path.join(root, 'node_modules', 'typescript'));

function distIsUsable() {
  if (!fs.existsSync(compiled)) return false;
  if (!canTranspile) return true; // nothing else to run (an installed package, or dev dependencies pruned)
  return fs.existsSync(buildScript) && require(buildScript).distIsCurrent(root);
}

let cli;
if (distIsUsable()) {
  cli = require(compiled);
} else {
  require(path.join(root, 'scripts', 'ts-register.js'));
  cli = require(source);
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
