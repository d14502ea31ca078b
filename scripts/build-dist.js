// Builds dist/ from src/ (tsc -p tsconfig.build.json) and stamps it with a hash of what it was built from, so that
// bin/dagmar.js and the child-process tests can tell a current build from a stale one without trusting mtimes
// (a checkout, a copy or an edit during the build all leave mtimes that say nothing about the content).
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const STAMP = '.inputs-sha256';
/** Everything tsc's output depends on that lives in the repository. */
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

function sourceFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** SHA-256 over the path and bytes of every file under src/ and the tsconfig files, in a fixed order. */
function inputsHash(root = ROOT) {
  const hash = createHash('sha256');
  const files = [...sourceFiles(path.join(root, 'src')), ...CONFIGS.map((name) => path.join(root, name))];
  for (const file of files.map((f) => path.relative(root, f).split(path.sep).join('/')).sort()) {
    const bytes = fs.readFileSync(path.join(root, file));
    hash.update(`${file}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

function stampOf(dist) {
  try {
    return fs.readFileSync(path.join(dist, STAMP), 'utf8');
  } catch {
    return undefined; // never built by buildDist (or no dist/ at all)
  }
}

/** True when dist/ was built by buildDist from exactly the sources and configs there are now. */
function distIsCurrent(root = ROOT) {
  return stampOf(path.join(root, 'dist')) === inputsHash(root);
}

/**
 * Compiles into a fresh directory, stamps it, then swaps it in for dist/ (files of deleted sources do not
 * linger, and a half-written dist/ is never visible). The stamp is the hash of the inputs taken *before*
 * compiling: a source edited during the build leaves dist/ stale, and the next check sees it.
 */
function buildDist({ root = ROOT, onlyIfStale = false, log = () => {} } = {}) {
  const hash = inputsHash(root);
  const dist = path.join(root, 'dist');
  if (onlyIfStale && stampOf(dist) === hash) return false;
  log(onlyIfStale ? 'dist/ was not built from the present src/: building it (tsc -p tsconfig.build.json)' : 'building dist/ (tsc -p tsconfig.build.json)');
  const fresh = path.join(root, `.dist-build-${process.pid}`);
  const old = path.join(root, `.dist-old-${process.pid}`);
  fs.rmSync(fresh, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', fresh], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    fs.rmSync(fresh, { recursive: true, force: true });
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${run.status ?? run.signal}); dist/ left as it was:\n${run.stdout}${run.stderr}`);
  }
  fs.writeFileSync(path.join(fresh, STAMP), hash);
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(fresh, dist);
  fs.rmSync(old, { recursive: true, force: true });
  return true;
}

module.exports = { inputsHash, distIsCurrent, buildDist };

// `npm run build` and `prepare`: always build.
if (require.main === module) {
  try {
    buildDist({ log: (line) => process.stderr.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
