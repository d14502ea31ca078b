// The repository's copy of the spec vectors is the project's shared copy, byte for byte, whenever the shared one is beside the repository.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { VECTORS_PATH } from '../support/vectors';

const SHARED_PATH = resolve(__dirname, '..', '..', '..', 'shared', 'vectors', 'spec-appendix.json');
const present = existsSync(SHARED_PATH);

// A clone of the repository alone has no ../shared: then there is nothing to compare, and the run says so
// (jest hides the names of skipped tests when a whole file is skipped, so the reason goes to the console too).
const compare = present ? test : test.skip;
const name = present
  ? `test/vectors/spec-appendix.json is identical to ${SHARED_PATH}`
  : `test/vectors/spec-appendix.json is identical to the shared copy (skipped: no ${SHARED_PATH} beside the repository)`;
if (!present) console.warn(name);

compare(name, () => {
  const ours = readFileSync(VECTORS_PATH);
  const shared = readFileSync(SHARED_PATH);
  // Parsed first, so that a difference shows as a readable diff; then the bytes, so that even formatting may not drift.
  expect(JSON.parse(ours.toString('utf8'))).toEqual(JSON.parse(shared.toString('utf8')));
  expect(ours.equals(shared)).toBe(true);
});
