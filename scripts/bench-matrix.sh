#!/usr/bin/env bash
# Runs the benchmarks on each Node line, each with the addon built for that line and the
# native peers (interruptor, isolated-vm on 24+) installed for that line's ABI.
#
#   scripts/bench-matrix.sh                 # 20 22 24 26, CI-sized
#   scripts/bench-matrix.sh 24 26 -- --long # some lines, ten times the size
#   npm run bench -- --node 24,26           # the same through bench/run.mjs
#
# Each line's output is also written to .matrix/bench-<major>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/build-lib.sh
majors=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do majors+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
lines_from "${majors[@]}"
failed=()
for major in "${lines[@]}"; do
  read -r nodebin nodedir < <(node_for "$major")
  addon=$(build_for "$major") || { failed+=("$major"); continue; }
  # interruptor calls V8 directly, so it is built per line; isolated-vm 7 ships prebuilds
  # for the ABIs of Node 24 and 26 only, and is left out below 24 (it would try to compile).
  peers=$root/.matrix/bench-peers-$major
  if [ ! -d "$peers/node_modules/piscina" ] || ! cmp -s bench/package.json "$peers/package.json.src"; then
    rm -rf "$peers" && mkdir -p "$peers"
    cp bench/package.json "$peers/package.json.src"
    "$nodebin" -e '
      const pkg = require(process.argv[1]);
      if (Number(process.versions.node.split(".")[0]) < 24) delete pkg.optionalDependencies["isolated-vm"];
      require("fs").writeFileSync(process.argv[2], JSON.stringify(pkg, null, 2));
    ' "$root/bench/package.json" "$peers/package.json"
    (cd "$peers" && PATH="$(dirname "$nodebin"):$PATH" npm_config_nodedir="$nodedir" \
       npm install --no-audit --no-fund --loglevel=error >install.log 2>&1) ||
      { echo "Node $major: installing the peers failed; see $peers/install.log" >&2; failed+=("$major"); continue; }
  fi
  echo "=== Node $major: $("$nodebin" -v), addon $addon"
  BENCH_PEERS="$peers" INTERRUPTIBLE_ADDON="$addon" "$nodebin" bench/run.mjs "$@" | tee "$root/.matrix/bench-$major.md" ||
    failed+=("$major")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench matrix: failed on Node ${failed[*]}"
  exit 1
fi
