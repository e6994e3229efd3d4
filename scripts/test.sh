#!/usr/bin/env bash
# Everything CI checks, in this order (about 14 minutes on 2 cores, see docs/testing.md):
#   1. the formatting of every .cpp/.hpp (scripts/check-format.sh; seconds)
#   2. the release build (build/) and every test through CTest, with the stress tests
#   3. a build with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/) and every
#      test again (the stress tests are left to the release pass: they want speed)
#   4. a build with ThreadSanitizer (build-tsan/) and the unit and remote-cache tests again
#      (uploads run on a thread of their own)
#   5. every libFuzzer target for MEMO_FUZZ_SECONDS (30 here) each (scripts/fuzz.sh)
# The remote-cache tests start real servers, installed first by scripts/install-test-servers.sh.
# Switches: MEMO_SKIP_FORMAT=1, MEMO_SKIP_STRESS=1, MEMO_SKIP_ASAN=1, MEMO_SKIP_TSAN=1,
# MEMO_SKIP_FUZZ=1 skip a part; MEMO_FUZZ_SECONDS sets the time per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each part's name and the minutes and seconds since the start, so a slow part shows in CI.
phase() { echo "== test.sh: $1 (at $((SECONDS / 60))m$((SECONDS % 60))s)"; }

phase "installing what is missing"
./scripts/install-deps.sh
./scripts/install-test-servers.sh
if [ "${MEMO_SKIP_FORMAT:-0}" != 1 ]; then
  phase "formatting"
  ./scripts/check-format.sh
fi

phase "release build"
./scripts/build.sh
phase "release tests"
stress=1
[ "${MEMO_SKIP_STRESS:-0}" = 1 ] && stress=0
(cd build && MEMO_STRESS="$stress" ctest --output-on-failure --timeout 300 -j "$(nproc)")

if [ "${MEMO_SKIP_ASAN:-0}" != 1 ]; then
  phase "AddressSanitizer build"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEMO_SANITIZE=ON >/dev/null
  cmake --build build-asan
  phase "AddressSanitizer tests"
  (cd build-asan && MEMO_STRESS=0 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
    ctest --output-on-failure --timeout 300 -j "$(nproc)")
fi

if [ "${MEMO_SKIP_TSAN:-0}" != 1 ]; then
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMO_SANITIZE_THREAD=ON \
    >/dev/null
  phase "ThreadSanitizer build"
  cmake --build build-tsan
  phase "ThreadSanitizer tests"
  (cd build-tsan && MEMO_STRESS=0 TSAN_OPTIONS=halt_on_error=1 \
    ctest --output-on-failure --timeout 900 -j "$(nproc)" -L "unit|remote")
fi

if [ "${MEMO_SKIP_FUZZ:-0}" != 1 ]; then
  phase "fuzzing"
  MEMO_FUZZ_SECONDS="${MEMO_FUZZ_SECONDS:-30}" MEMO_FUZZ_JOBS="$(nproc)" ./scripts/fuzz.sh
fi
phase "all passed"
