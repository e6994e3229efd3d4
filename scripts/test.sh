#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest: once on the release
# build (build/), once on a build with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-asan/). MEMO_SKIP_ASAN=1 skips the second pass.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build.sh
(cd build && ctest --output-on-failure --timeout 300 -j "$(nproc)")

if [ "${MEMO_SKIP_ASAN:-0}" != 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEMO_SANITIZE=ON >/dev/null
  cmake --build build-asan
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
    ctest --output-on-failure --timeout 300 -j "$(nproc)")
fi
