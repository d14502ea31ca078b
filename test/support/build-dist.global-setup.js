// Jest globalSetup of the child-process project (jest.config.js): makes dist/ current once per run, before any child starts.
'use strict';
const { buildDist } = require('../../scripts/build-dist');

module.exports = async function buildDistOnce() {
  buildDist({ onlyIfStale: true, log: (line) => process.stderr.write(`\n${line}\n`) });
};
