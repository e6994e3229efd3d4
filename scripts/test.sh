#!/usr/bin/env bash
# Everything CI checks, in this order (about 15 minutes on 2 cores, see docs/testing.md):
#   1. the formatting of every .cpp/.hpp (scripts/check-format.sh; seconds)
#   2. the release build (build/) and every test through CTest, with the stress tests
#   3. a build with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's coverage
#      (build-asan/, clang), then every test again in it (the stress tests are left to the
#      release pass: they want speed), then each libFuzzer target of that build for
#      MEMO_FUZZ_SECONDS (10 here) from its seeds (scripts/fuzz.sh)
#   4. a build with ThreadSanitizer (build-tsan/, clang) and the unit and remote-cache tests again
#      (uploads run on a thread of their own, big ones in parallel parts)
# The remote-cache tests start real servers, installed first by scripts/install-test-servers.sh.
# Switches: MEMO_SKIP_FORMAT=1, MEMO_SKIP_STRESS=1, MEMO_SKIP_ASAN=1, MEMO_SKIP_FUZZ=1,
# MEMO_SKIP_TSAN=1 skip a part; MEMO_FUZZ_SECONDS sets the time per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each part's name and the minutes and seconds since the start, so a slow part shows in CI.
phase() { echo "== test.sh: $1 (at $((SECONDS / 60))m$((SECONDS % 60))s)"; }
skip() { [ "${!1:-0}" = 1 ]; }

phase "installing what is missing"
./scripts/install-deps.sh
./scripts/install-test-servers.sh
if ! skip MEMO_SKIP_FORMAT; then
  phase "formatting"
  ./scripts/check-format.sh
fi

phase "release build"
./scripts/build.sh
phase "release tests"
stress=1
skip MEMO_SKIP_STRESS && stress=0
(cd build && MEMO_STRESS="$stress" ctest --output-on-failure --timeout 300 -j "$(nproc)")

# The sanitizer builds use clang-19: it builds them in a fraction of g++'s time.
if ! skip MEMO_SKIP_ASAN || ! skip MEMO_SKIP_FUZZ || ! skip MEMO_SKIP_TSAN; then
  ./scripts/install-deps.sh --fuzz
fi
if ! skip MEMO_SKIP_ASAN || ! skip MEMO_SKIP_FUZZ; then
  phase "sanitizer build"
  # -g1: line tables, all the sanitizers' reports need, in a sixth less time than -g.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DCMAKE_CXX_COMPILER=clang++-19 -DMEMO_FUZZ=ON >/dev/null
  cmake --build build-asan
fi
if ! skip MEMO_SKIP_ASAN; then
  phase "sanitizer tests"
  (cd build-asan && MEMO_STRESS=0 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
    ctest --output-on-failure --timeout 300 -j "$(nproc)")
fi
if ! skip MEMO_SKIP_FUZZ; then
  phase "fuzzing"
  MEMO_FUZZ_BUILD=build-asan MEMO_FUZZ_SECONDS="${MEMO_FUZZ_SECONDS:-10}" \
    MEMO_FUZZ_JOBS="$(nproc)" ./scripts/fuzz.sh
fi

if ! skip MEMO_SKIP_TSAN; then
  phase "ThreadSanitizer build"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DCMAKE_CXX_COMPILER=clang++-19 -DMEMO_SANITIZE_THREAD=ON >/dev/null
  cmake --build build-tsan --target memo_unit_tests memo_remote_tests
  phase "ThreadSanitizer tests"
  (cd build-tsan && MEMO_STRESS=0 TSAN_OPTIONS=halt_on_error=1 \
    ctest --output-on-failure --timeout 900 -j "$(nproc)" -L "unit|remote")
fi
phase "all passed"
