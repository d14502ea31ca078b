#!/usr/bin/env bash
# `npm run lint`: the layering rules (dependency-cruiser, .dependency-cruiser.js) and the code rules (ESLint,
# eslint.config.js); both run, either fails it. Strict, with no baseline of known violations: .ci/run calls it.
set -uo pipefail
cd "$(dirname "$0")/.."
TREE=(src test scripts bin)
status=0
echo "lint: dependency rules (.dependency-cruiser.js)"
npx depcruise --config .dependency-cruiser.js "${TREE[@]}" || status=1
echo "lint: code rules (eslint.config.js)"
npx eslint --cache --cache-location node_modules/.cache/eslint/ . || status=1
if [ "$status" -eq 0 ]; then echo "lint: passed"; else echo "lint: FAILED"; fi
exit "$status"
