#!/usr/bin/env bash
# Proves the layering rules bite: writes deliberate violations into src/, expects dependency-cruiser to
# name the right rule for each, and removes the probe files again (also on failure or Ctrl-C).
set -uo pipefail
cd "$(dirname "$0")/.."
probes=()
trap 'rm -f "${probes[@]}"; rmdir src/zz-lint-probe-unit 2>/dev/null' EXIT
passed=0
failed=0

# probe FILE SOURCE: write a probe module (recorded for removal).
probe() {
  probes+=("$1")
  printf '%s\n%s\n' "// lint self-test probe, deleted by scripts/lint-selftest.sh" "$2" > "$1"
}

# expect RULE FILE: cruising FILE must fail, with an error of RULE that starts at FILE.
expect() {
  local rule="$1" file="$2" out rc
  out="$(npx depcruise --config .dependency-cruiser.js --output-type err "$file" 2>&1)"
  rc=$?
  local line
  line="$(grep -m1 "error $rule: $file" <<<"$out" | sed 's/^ *//')"
  if [ "$rc" -ne 0 ] && [ -n "$line" ]; then
    echo "ok   $line"; passed=$((passed + 1))
  else
    echo "FAIL $rule did not report $file (exit $rc):"; echo "$out"; failed=$((failed + 1))
  fi
}

# expect_clean FILE: an allowed import must pass, or the rules fail everything and prove nothing.
expect_clean() {
  local out rc
  out="$(npx depcruise --config .dependency-cruiser.js --output-type err "$1" 2>&1)"
  rc=$?
  if [ "$rc" -eq 0 ]; then echo "ok   $1 (an allowed import) passes"; passed=$((passed + 1))
  else echo "FAIL $1 should pass (exit $rc):"; echo "$out"; failed=$((failed + 1)); fi
}

# expect_eslint RULE FILE: ESLint must report RULE in FILE.
expect_eslint() {
  local rule="$1" file="$2" out rc
  out="$(npx eslint --no-warn-ignored "$file" 2>&1)"
  rc=$?
  if [ "$rc" -ne 0 ] && grep -q "$rule" <<<"$out"; then
    echo "ok   eslint $rule: $file $(grep -m1 "$rule" <<<"$out" | sed 's/^ *//; s/  */ /g')"; passed=$((passed + 1))
  else
    echo "FAIL eslint $rule did not report $file (exit $rc):"; echo "$out"; failed=$((failed + 1))
  fi
}

probe src/rooms/zz-lint-probe-ok.ts "export { openStorage } from '../storage';"
expect_clean src/rooms/zz-lint-probe-ok.ts

probe src/protocol/zz-lint-probe.ts "export { openStorage } from '../storage';"
expect layer-protocol src/protocol/zz-lint-probe.ts

probe src/state/zz-lint-probe.ts "export { readFileSync } from 'node:fs';"
expect pure-layers-no-io src/state/zz-lint-probe.ts

probe src/rooms/zz-lint-probe.ts "export { sql } from 'kysely';"
expect sql-only-in-storage src/rooms/zz-lint-probe.ts

probe src/cli/zz-lint-probe.ts "export * from '../../test/federation/support/raw-request';"
expect no-src-from-test src/cli/zz-lint-probe.ts

probe src/rooms/zz-lint-probe-dev.ts "export { default as fc } from 'fast-check';"
expect src-no-dev-dependencies src/rooms/zz-lint-probe-dev.ts

mkdir -p src/zz-lint-probe-unit
probe src/zz-lint-probe-unit/probe.ts "export * from '../protocol/json';"
expect unit-in-table src/zz-lint-probe-unit/probe.ts

probe src/crypto/zz-lint-probe-a.ts "export { b } from './zz-lint-probe-b';
export const a = 1;"
probe src/crypto/zz-lint-probe-b.ts "export { a } from './zz-lint-probe-a';
export const b = 2;"
expect no-circular src/crypto/zz-lint-probe-a.ts

probe src/metrics/zz-lint-probe.ts "export const rawCount = (storage: { db: { prepare(sql: string): unknown } }) => storage.db.prepare('SELECT 1');"
expect_eslint no-restricted-syntax src/metrics/zz-lint-probe.ts

rm -f "${probes[@]}"
echo "lint-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
