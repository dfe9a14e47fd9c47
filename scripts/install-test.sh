#!/usr/bin/env bash
# npm run test:install: pack the package, install the tarball into empty projects with a
# PATH that has node and npm and nothing else (no compiler, make or python), on each Node
# line, with install scripts allowed and with --ignore-scripts; then run scripts/smoke.mjs
# there. The prebuilt path must compile nothing and need no install script.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/build-lib.sh
lines_from "$@"
# Fresh prebuilds for the lines under test (incremental: cheap when nothing changed).
bash scripts/prebuild.sh "${lines[@]}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tgz=$(npm pack --silent --pack-destination "$work" | tail -1)
echo "packed $tgz ($(du -k "$work/$tgz" | cut -f1) kB)"
npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
[ -f "$npm_cli" ] || npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/../lib/cli.js
for major in "${lines[@]}"; do
  read -r nodebin _ < <(node_for "$major")
  bin=$work/bin-$major
  mkdir -p "$bin"
  ln -sf "$nodebin" "$bin/node"
  ln -sf /bin/sh "$bin/sh" # npm runs scripts with sh
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$nodebin" "$npm_cli" > "$bin/npm"
  chmod +x "$bin/npm"
  for mode in scripts ignore-scripts; do
    app=$work/app-$major-$mode
    mkdir -p "$app"
    echo '{ "name": "smoke-app", "private": true, "type": "module" }' > "$app/package.json"
    flags=(--no-audit --no-fund --prefer-offline --loglevel=error)
    [ "$mode" = ignore-scripts ] && flags+=(--ignore-scripts)
    for tool in g++ cc make python3; do
      if PATH=$bin command -v "$tool" >/dev/null; then echo "PATH still has $tool"; exit 1; fi
    done
    (cd "$app" && env -i HOME="$HOME" PATH="$bin" npm install "${flags[@]}" "$work/$tgz" >install.log 2>&1) || {
      echo "Node $major ($mode): install failed"; cat "$app/install.log"; exit 1; }
    if [ -d "$app/node_modules/interruptible/build" ]; then
      echo "Node $major ($mode): the install compiled something"; exit 1
    fi
    cp scripts/smoke.mjs "$app/"
    (cd "$app" && env -i HOME="$HOME" PATH="$bin" node smoke.mjs) || { echo "Node $major ($mode): smoke failed"; exit 1; }
    echo "  Node $major, install scripts $([ "$mode" = scripts ] && echo allowed || echo skipped): ok"
  done
done
echo "install test: passed on Node ${lines[*]}"
