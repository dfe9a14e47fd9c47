#!/usr/bin/env bash
# Runs the vitest suite on each supported Node line, each against an addon built with
# that line's own headers (the addon calls V8 directly, so one build fits one ABI).
#
#   scripts/test-matrix.sh            # 20 22 24 26
#   scripts/test-matrix.sh 22 26      # some lines
#   MATRIX_TEST_ARGS="test/race.test.ts" scripts/test-matrix.sh
#   MATRIX_STRESS=20 scripts/test-matrix.sh   # also the stress suite, 20 s per line
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/build-lib.sh
lines_from "$@"
failed=()
for major in "${lines[@]}"; do
  read -r nodebin _ < <(node_for "$major")
  echo "=== Node $major: $("$nodebin" -v)"
  addon=$(build_for "$major") || { failed+=("$major"); continue; }
  # shellcheck disable=SC2086
  INTERRUPTIBLE_ADDON="$addon" "$nodebin" node_modules/vitest/vitest.mjs run ${MATRIX_TEST_ARGS:-} || failed+=("$major")
  if [ -n "${MATRIX_STRESS:-}" ]; then
    # shellcheck disable=SC2086
    INTERRUPTIBLE_ADDON="$addon" "$nodebin" test/stress/run.mjs --duration "$MATRIX_STRESS" ${MATRIX_STRESS_ARGS:-} || failed+=("$major (stress)")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "matrix: failed on Node ${failed[*]}"
  exit 1
fi
echo "matrix: passed on Node ${lines[*]}"
