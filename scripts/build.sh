#!/usr/bin/env bash
# Builds build/memo (and the tests) with CMake and Ninja. Extra arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build
