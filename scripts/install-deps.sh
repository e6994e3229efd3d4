#!/usr/bin/env bash
# Installs what building and testing memo needs from Debian's packages, only when missing.
# Safe to run again and again. --fuzz adds clang-19 with libFuzzer and the sanitizers' runtimes
# (scripts/fuzz.sh, and test.sh's sanitizer builds).
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config git libssl-dev nlohmann-json3-dev libyaml-cpp-dev libgtest-dev
  clang-format libcurl4-openssl-dev libzstd-dev zlib1g-dev)
if [ "${1:-}" = --fuzz ]; then
  # bookworm's clang-19 compiles the C++23 std::expected memo uses (clang 14 cannot);
  # libclang-rt-19-dev holds libFuzzer and the sanitizers' runtimes.
  packages+=(clang-19 libclang-rt-19-dev)
fi
# backfill.config.js files are evaluated with node; any node on PATH will do.
command -v node >/dev/null 2>&1 || packages+=(nodejs)

. "$(dirname "$0")/lib/apt.sh"
apt_install_missing "${packages[@]}"
