#!/usr/bin/env bash
# npm test's pre-step: bring a local addon build up to date (reconfigure when binding.gyp,
# the list of sources, changed), then compile the TypeScript. An install that used a
# prebuild has no local build: nothing to do for the addon then.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f build/Makefile ]; then
  if [ binding.gyp -nt build/Makefile ]; then node-gyp rebuild --silent; else node-gyp build --silent; fi
fi
tsc -p tsconfig.build.json
