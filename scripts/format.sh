#!/usr/bin/env bash
# Formats every tracked .cpp/.hpp file in place as .clang-format says (the same binary
# scripts/check-format.sh checks with; MEMO_CLANG_FORMAT to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format="$(./scripts/clang-format-binary.sh)"

git ls-files -z -- '*.cpp' '*.hpp' | xargs -0 "$clang_format" -i
