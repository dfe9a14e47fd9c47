#!/usr/bin/env bash
# run.sh [majors...]: build the probe for each Node line (default 20 22 24 26) and run the
# experiments there, each in its own process with a time bound (an abort or a hang is a
# result, not the end of the run). Prints one JSON line per run, or the exit status.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/scripts/build-lib.sh"
lines_from "$@"
ROUNDS=${ROUNDS:-12} RACES=${RACES:-100}

bounded() { # bounded <seconds> <label> <cmd...>: run, show its last output line or how it died
  local secs=$1 label=$2; shift 2
  local out rc
  out=$(cd "$here" && timeout -k 5 "$secs" "$@" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo "$label: $(echo "$out" | tail -1)"
  else echo "$label: EXIT $rc $( [ $rc -eq 124 ] && echo '(time bound hit: hang)' ) :: $(echo "$out" | grep -m3 -E 'Assertion|corrupted|FATAL|Error|error' | tr '\n' ' ')"; fi
}

for major in "${lines[@]}"; do
  "$here/build.sh" "$major" >/dev/null || exit 1
  read -r nodebin _ < <(node_for "$major")
  echo "== Node $("$nodebin" -v)"
  for mode in none als hookInit hookBefore; do
    bounded 120 "hooks $mode check=1" "$nodebin" exp-hooks.mjs "$mode" 1 "$ROUNDS"
  done
  # Node 22 can run ALS on the continuation-preserved embedder data too (24+ does by default).
  [ "$major" = 22 ] && bounded 120 "hooks als check=1 --experimental-async-context-frame" "$nodebin" --experimental-async-context-frame exp-hooks.mjs als 1 "$ROUNDS"
  # Control: the same without the async-id check (what the check prevents).
  for mode in als hookInit; do
    bounded 60 "hooks $mode check=0" "$nodebin" exp-hooks.mjs "$mode" 0 4
  done
  bounded 240 "race probe" "$nodebin" exp-race.mjs 1 "$RACES"
  bounded 240 "race naive" "$nodebin" exp-race.mjs 0 "$RACES"
  bounded 180 "realm" "$nodebin" exp-realm.mjs
  bounded 120 "stall" "$nodebin" exp-stall.mjs
done
