#!/usr/bin/env bash
# npm run stress:asan [-- --duration 30]: builds the addon with AddressSanitizer and
# UndefinedBehaviorSanitizer (CMakeLists.txt, -DSANITIZE) against this Node's headers and
# runs the stress suite with it. Node itself is not instrumented: the sanitizer runtimes
# are preloaded, leak checking is off (Node does not free everything at exit), and any
# report aborts the run.
set -euo pipefail
cd "$(dirname "$0")/.."
nodedir=$(node -p 'require("path").resolve(process.execPath, "../..")')
cmake -S . -B build-asan -DNODE_DIR="$nodedir" -DSANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo >build-asan.log 2>&1
cmake --build build-asan -j2 >>build-asan.log 2>&1 || { tail -30 build-asan.log; exit 1; }
preload="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
LD_PRELOAD="$preload" \
  ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1:halt_on_error=1:quarantine_size_mb=32 \
  STRESS_RSS_BOUND=${STRESS_RSS_BOUND:-192} \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  INTERRUPTIBLE_ADDON="$PWD/build-asan/interruptible.node" \
  node test/stress/run.mjs --duration "${STRESS_DURATION:-30}" "$@"
