#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/, then runs each for a bounded time from its seed
# corpus (tests/fuzz/corpus/<target>/). Fails on the first crash, leak, undefined behaviour,
# timeout or broken invariant; the input that did it is kept in build-fuzz/findings/.
#
#   scripts/fuzz.sh                 every target, MEMO_FUZZ_SECONDS (default 60) each
#   scripts/fuzz.sh entry yaml      only these targets
#   MEMO_FUZZ_JOBS=2                targets run side by side (default 1)
#   MEMO_FUZZ_CXX=clang++-19        the compiler (default: the newest clang++ found)
#   MEMO_FUZZ_BUILD=build-asan      run the targets of that build, configured with MEMO_FUZZ=ON
#                                   already (scripts/test.sh's sanitizer build), instead of
#                                   configuring build-fuzz/
#
# New inputs the fuzzer finds go to build-fuzz/corpus/<target>/, not into the tree: copy the
# interesting ones (and every regression input) to tests/fuzz/corpus/<target>/ by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh --fuzz

seconds="${MEMO_FUZZ_SECONDS:-60}"
jobs="${MEMO_FUZZ_JOBS:-1}"
build="${MEMO_FUZZ_BUILD:-build-fuzz}"
# A build given by MEMO_FUZZ_BUILD is configured already: no compiler to look for.
if [ -z "${MEMO_FUZZ_BUILD:-}" ]; then
  cxx="${MEMO_FUZZ_CXX:-}"
  if [ -z "$cxx" ]; then
    for candidate in clang++-19 clang++-18 clang++-17 clang++-16 clang++; do
      if command -v "$candidate" >/dev/null 2>&1; then cxx="$candidate" && break; fi
    done
  fi
  [ -n "$cxx" ] || { echo "fuzz.sh: no clang++ (scripts/install-deps.sh --fuzz installs one)" >&2; exit 1; }
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
    -DMEMO_FUZZ=ON -DBUILD_TESTING=OFF "${launcher[@]}" >/dev/null
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*_fuzz.cpp; do
    name="$(basename "$source" _fuzz.cpp)"
    targets+=("$name")
  done
fi
cmake --build "$build" --target "${targets[@]/#/memo_fuzz_}"

mkdir -p "$build/findings" "$build/logs"
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for symbolizer in "$(command -v llvm-symbolizer || true)" /usr/lib/llvm-*/bin/llvm-symbolizer; do
    if [ -x "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$symbolizer" && break; fi
  done
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

run_target() {
  local name="$1"
  local work="$build/corpus/$name"
  mkdir -p "$work"
  # -timeout: one input taking seconds is a hang a lockfile or record must never cause.
  if "$build"/tests/fuzz/memo_fuzz_"$name" "$work" "tests/fuzz/corpus/$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$build/findings/$name-" \
    >"$build/logs/$name.log" 2>&1; then
    echo "fuzz $name: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
      "$build/logs/$name.log" | grep -o '[0-9]*$') runs in ${seconds}s"
  else
    echo "fuzz $name: FAILED ($build/logs/$name.log; input in $build/findings/)" >&2
    grep -m5 -E 'ERROR|runtime error|fuzz invariant|SUMMARY' "$build/logs/$name.log" >&2 || true
    return 1
  fi
}

status=0
running=0
for name in "${targets[@]}"; do
  run_target "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit "$status"
