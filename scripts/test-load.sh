#!/usr/bin/env bash
# npm run test:load: the whole suite beside a CPU hog on every core, so that a test that
# only passes on an idle machine fails here rather than in a user's CI.
#   LOAD_RUNS=3 npm run test:load    # three runs in a row, each must pass
# The hog is Debian's stress-ng (installed here when missing); without apt, busy Node
# processes stand in. Each run is bounded (LOAD_TIMEOUT seconds, default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"  # also when run without npm
runs="${LOAD_RUNS:-1}"
limit="${LOAD_TIMEOUT:-900}"
cores="$(nproc)"

if ! command -v stress-ng >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null) || true
fi

hog_pids=()
stop_hog() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  hog_pids=()
}
trap stop_hog EXIT INT TERM

start_hog() {
  if command -v stress-ng >/dev/null; then
    stress-ng --cpu "$cores" --cpu-load 100 --timeout "${limit}s" --quiet &
    hog_pids+=("$!")
  else
    for _ in $(seq "$cores"); do
      node -e "const end = Date.now() + ${limit}000; while (Date.now() < end);" &
      hog_pids+=("$!")
    done
  fi
}

bash scripts/pretest.sh
for run in $(seq "$runs"); do
  start_hog
  echo "test:load: run $run of $runs, beside $(command -v stress-ng >/dev/null && echo stress-ng || echo node) on $cores core(s)"
  start=$SECONDS
  status=0
  timeout --kill-after=30 "$limit" npx vitest run || status=$?
  stop_hog
  echo "test:load: run $run: exit $status after $((SECONDS - start)) s"
  [ "$status" = 0 ] || exit "$status"
done
