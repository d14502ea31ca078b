#!/usr/bin/env bash
# `npm run lint`: the layering rules (dependency-cruiser) and the code rules (ESLint), both run, either fails it.
#   scripts/lint.sh               strict: every rule, no exceptions (what .ci/run will call)
#   scripts/lint.sh --known       strict rules minus the violations recorded in .lint-known/ (new ones still fail)
#   scripts/lint.sh --prune-known   after fixes land: drop recorded violations that are gone (never adds one;
#                                 ESLint's --known run fails on stale suppressions until this is run)
# When .lint-known/ is empty, delete it and wire plain `npm run lint` into .ci/run.
set -uo pipefail
cd "$(dirname "$0")/.."
KNOWN_DEPS=.lint-known/dependency-cruiser.json
KNOWN_CODE=.lint-known/eslint-suppressions.json
TREE=(src test scripts bin)
mode="${1:-strict}"

case "$mode" in
  strict) deps_args=(); code_args=() ;;
  --known) deps_args=(--ignore-known "$KNOWN_DEPS"); code_args=(--suppressions-location "$KNOWN_CODE") ;;
  --prune-known)
    now="$(mktemp)"
    npx depcruise --config .dependency-cruiser.js -T baseline -f "$now" "${TREE[@]}" || exit 1
    # Keep only the recorded violations that still occur: the list can shrink here, never grow.
    node -e '
      const fs = require("node:fs");
      const [known, now] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
      const still = new Set(now.map((v) => JSON.stringify(v)));
      const kept = known.filter((v) => still.has(JSON.stringify(v)));
      fs.writeFileSync(process.argv[1], JSON.stringify(kept, null, 2) + "\n");
      console.log(`lint: ${kept.length} of ${known.length} recorded dependency violations remain`);
    ' "$KNOWN_DEPS" "$now" || exit 1
    rm -f "$now"
    npx eslint --suppressions-location "$KNOWN_CODE" --prune-suppressions . >/dev/null
    echo "lint: pruned $KNOWN_CODE"
    exit 0 ;;
  *) echo "usage: scripts/lint.sh [--known|--prune-known]" >&2; exit 2 ;;
esac

status=0
echo "lint: dependency rules (.dependency-cruiser.js)"
npx depcruise --config .dependency-cruiser.js "${deps_args[@]}" "${TREE[@]}" || status=1
echo "lint: code rules (eslint.config.js)"
npx eslint --cache --cache-location node_modules/.cache/eslint/ "${code_args[@]}" . || status=1
if [ "$status" -eq 0 ]; then echo "lint: passed ($mode)"; else echo "lint: FAILED ($mode)"; fi
exit "$status"
