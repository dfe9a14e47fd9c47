#!/usr/bin/env bash
# CI for the prebuilt binaries beyond linux glibc: installs what is missing (Debian
# packages, as root; the zig toolchain into .cache/toolchains/, pinned and checked), builds
# the win32-x64, linux-{x64,arm64}-musl and darwin-{x64,arm64} binaries for Node
# 20/22/24/26, packs the package, checks every binary in the tarball (check-cross.sh), runs
# the win32 ones under wine with the official node.exe of Node 20 and 22 (those of 24 and
# 26 do not start under wine 8; test-win32.sh says why), and shows
# that the win32 test fails when the binary is missing or damaged.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/toolchain.sh
start=$SECONDS
if [ "$(id -u)" = 0 ]; then apt_missing; fi
need_tools clang++-19 lld-link-19 llvm-nm-19 gendef wine qemu-aarch64
[ -x /lib/ld-musl-x86_64.so.1 ] && [ -x /lib/ld-musl-aarch64.so.1 ] || { echo "needs musl and musl:arm64" >&2; exit 1; }
# The linux glibc binaries come from `npm run prebuild` / `npm run prebuild:arm64` (.ci/run
# runs them first); build them here only when missing, so that the tarball is complete.
for major in 20 22 24 26; do
  abi=$(grep -E '^#define NODE_MODULE_VERSION [0-9]+' "$(node_pkg linux-x64 "$major")/include/node/node_version.h" | awk '{print $3}')
  [ -f "prebuilds/linux-x64/node.abi$abi.glibc.node" ] || bash scripts/prebuild.sh "$major"
  [ -f "prebuilds/linux-arm64/node.abi$abi.glibc.node" ] || bash scripts/prebuild-arm64.sh "$major"
done
bash scripts/prebuild-cross.sh
echo "cross-built in $((SECONDS - start)) s"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tgz=$work/$(npm pack --silent --pack-destination "$work" | tail -1)
echo "packed $(basename "$tgz"): $(du -k "$tgz" | cut -f1) kB, $(tar tzf "$tgz" | grep -c '\.node$') binaries"
for major in 20 22 24 26; do
  abi=$(grep -E '^#define NODE_MODULE_VERSION [0-9]+' "$(node_pkg linux-x64 "$major")/include/node/node_version.h" | awk '{print $3}')
  for f in linux-x64/node.abi$abi.glibc.node linux-arm64/node.abi$abi.glibc.node; do
    tar tzf "$tgz" "package/prebuilds/$f" >/dev/null 2>&1 || { echo "the tarball lacks prebuilds/$f" >&2; exit 1; }
  done
done
TARBALL=$tgz bash scripts/check-cross.sh
TARBALL=$tgz bash scripts/test-win32.sh
# The win32 test must be able to fail: a missing and a damaged binary each fail it.
for damage in missing truncated; do
  if WIN32_BREAK=$damage TARBALL=$tgz bash scripts/test-win32.sh 22 > "$work/broken.log" 2>&1; then
    cat "$work/broken.log"; echo "the win32 test passed with a $damage binary" >&2; exit 1
  fi
  echo "win32 test with a $damage binary: fails, as it must ($(grep -m1 -o 'no prebuilds/[^ ]*\|FAILED [^:]*' "$work/broken.log"))"
done
echo "platforms: passed in $((SECONDS - start)) s"
