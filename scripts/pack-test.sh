#!/usr/bin/env bash
# npm run test:pack: what `npm pack` makes from a clean clone of this repository.
#  1. without the prebuilt binaries it refuses, naming what is missing;
#  2. with them (copied from this checkout, built by npm run prebuild + prebuild:arm64) the
#     tarball holds every binary scripts/prebuilds.json lists, the compiled library, the
#     native sources and the install script.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet "$root" "$work/clone"
cd "$work/clone"
ln -s "$root/node_modules" node_modules
npx tsc -p tsconfig.build.json
if npm pack --silent --pack-destination "$work" >"$work/refused.log" 2>&1; then
  echo "pack-test: npm pack from a clean clone made a package without prebuilt binaries"; exit 1
fi
grep -q "refusing to pack" "$work/refused.log" || { echo "pack-test: no clear refusal:"; cat "$work/refused.log"; exit 1; }
echo "pack-test: without prebuilds, npm pack refuses: $(grep -c 'prebuilds/' "$work/refused.log") binaries named"
cp -r "$root/prebuilds" .
tgz=$(npm pack --silent --pack-destination "$work" | tail -1)
tar tzf "$work/$tgz" | sed 's|^package/||' | sort > "$work/contents"
node -e '
  const { expected } = require("./scripts/check-prebuilds.cjs");
  const have = new Set(require("node:fs").readFileSync(process.argv[1], "utf8").split("\n"));
  const need = [...expected().map((e) => e.file), "dist/index.js", "dist/index.d.ts", "native/boundary.cc",
    "binding.gyp", "scripts/install.cjs", "scripts/locate-addon.cjs", "README.md", "LICENSE"];
  const gone = need.filter((f) => !have.has(f));
  if (gone.length) { console.error("pack-test: the tarball lacks " + gone.join(", ")); process.exit(1); }
  console.log(`pack-test: the tarball holds all ${expected().length} prebuilt binaries and the library`);
' "$work/contents"
echo "pack-test: $(wc -l < "$work/contents") files, $(du -k "$work/$tgz" | cut -f1) kB:"
grep '^prebuilds/' "$work/contents" | sed 's/^/  /'
