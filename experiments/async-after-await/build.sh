#!/usr/bin/env bash
# build.sh <major>: builds probe/ against that Node line's own headers into build-<major>/,
# prints the path of probe.node. Uses scripts/build-lib.sh's node_for (fetches 22/24/26 from npm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/scripts/build-lib.sh"
major=$1
read -r nodebin nodedir < <(node_for "$major")
out=$here/build-$major
mkdir -p "$out"
cp "$here/probe/binding.gyp" "$here/probe/probe.cc" "$out/"
# The home .npmrc may set nodedir, which silently wins over --nodedir.
if ! (cd "$out" && PATH="$(dirname "$nodebin"):$PATH" npm_config_nodedir="$nodedir" \
      "$nodebin" "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$nodedir" >build.log 2>&1); then
  tail -30 "$out/build.log" >&2; exit 1
fi
grep -q "\"nodedir\": \"$nodedir\"" "$out/build/config.gypi" || { echo "Node $major: built against the wrong headers" >&2; exit 1; }
echo "$out/build/Release/probe.node"
