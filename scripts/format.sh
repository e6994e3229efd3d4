#!/usr/bin/env bash
# Formats every tracked .cpp/.hpp file in place as .clang-format says (the same binary
# scripts/check-format.sh checks with; MEMO_CLANG_FORMAT to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format="${MEMO_CLANG_FORMAT:-}"
if [ -z "$clang_format" ]; then
  for candidate in clang-format-14 clang-format; do
    if command -v "$candidate" >/dev/null 2>&1; then clang_format="$candidate" && break; fi
  done
fi
[ -n "$clang_format" ] || { echo "format.sh: no clang-format (apt-get install clang-format)" >&2; exit 1; }

git ls-files -z -- '*.cpp' '*.hpp' | xargs -0 "$clang_format" -i
