#!/usr/bin/env bash
# Every group of stryker.workers.config.mjs in turn (coverage analysis off), then their
# reports merged into reports/mutation/workers.json (docs/TESTING.md, "Score").
#   bash scripts/mutation-workers.sh                 # all groups
#   STRYKER_WORKERS_GROUPS='control native' bash scripts/mutation-workers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
groups=${STRYKER_WORKERS_GROUPS:-pool control native watchdog}
reports=()
for group in $groups; do
  start=$(date +%s)
  STRYKER_WORKERS_GROUP=$group npx stryker run stryker.workers.config.mjs
  echo "mutation-workers: group $group took $(( $(date +%s) - start )) s"
  reports+=("reports/mutation/workers-$group.json")
done
node scripts/mutation-score.mjs --write reports/mutation/workers.json "${reports[@]}"
