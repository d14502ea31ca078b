#!/usr/bin/env node
// The `dagmar` executable. In a source checkout it runs src/ directly (so it can never be stale);
// an installed package, which ships dist/ only, runs the compiled code.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let cli;
if (fs.existsSync(source) && fs.existsSync(path.join(root, 'node_modules', 'typescript'))) {
  require(path.join(root, 'scripts', 'ts-register.js'));
  cli = require(source);
} else {
  cli = require(path.join(root, 'dist', 'cli', 'main.js'));
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
