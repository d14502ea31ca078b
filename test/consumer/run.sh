#!/usr/bin/env bash
# Installs dagmar the way a user does — from `npm pack`'s tarball, not from source — into a temporary copy of
# test/consumer, with jest, ts-jest and typescript at the root's exact versions, then type-checks and runs its suite.
# So the exports map, the type declarations and the README's examples (this suite's code) cannot drift.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dagmar-consumer.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# npm pack runs `prepare` (scripts/build-dist.js): the tarball holds a fresh dist/.
(cd "$ROOT" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TARBALL="$(ls "$WORK"/dagmar-*.tgz)"
cp -R "$ROOT/test/consumer" "$WORK/project"
rm -rf "$WORK/project/node_modules"

version() { node -p "const p = require('$ROOT/package.json'); (p.devDependencies['$1'] || p.dependencies['$1'])"; }

cd "$WORK/project"
# --prefer-offline: packages already in the npm cache (every one of them after the root's `npm ci`) are not
# fetched again. --ignore-scripts skips better-sqlite3's native build (about a minute): the binary is taken
# from the root's own install below when that is the very same version, and built only otherwise.
npm install --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error \
  "$TARBALL" \
  "jest@$(version jest)" "ts-jest@$(version ts-jest)" "typescript@$(version typescript)" \
  "@types/jest@$(version @types/jest)" "@types/node@$(version @types/node)"

ROOT_SQLITE="$ROOT/node_modules/better-sqlite3"
OURS_SQLITE="node_modules/better-sqlite3"
if [ -f "$ROOT_SQLITE/build/Release/better_sqlite3.node" ] &&
   [ "$(node -p "require('$ROOT_SQLITE/package.json').version")" = "$(node -p "require('./$OURS_SQLITE/package.json').version")" ]; then
  mkdir -p "$OURS_SQLITE/build/Release"
  cp "$ROOT_SQLITE/build/Release/better_sqlite3.node" "$OURS_SQLITE/build/Release/"
else
  npm rebuild better-sqlite3 --loglevel=error
fi

npm test
