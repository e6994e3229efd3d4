#!/usr/bin/env bash
# Prints the clang-format that scripts/format.sh and scripts/check-format.sh use:
# MEMO_CLANG_FORMAT, else clang-format-14 (Debian bookworm's), else clang-format. Versions format
# a few constructs differently, so CI and laptops should agree. Fails when there is none.
set -euo pipefail
if [ -n "${MEMO_CLANG_FORMAT:-}" ]; then
  command -v "$MEMO_CLANG_FORMAT" >/dev/null 2>&1 ||
    { echo "MEMO_CLANG_FORMAT: no program \"$MEMO_CLANG_FORMAT\"" >&2; exit 1; }
  echo "$MEMO_CLANG_FORMAT"
  exit 0
fi
for candidate in clang-format-14 clang-format; do
  if command -v "$candidate" >/dev/null 2>&1; then
    echo "$candidate"
    exit 0
  fi
done
echo "no clang-format (apt-get install clang-format, or set MEMO_CLANG_FORMAT)" >&2
exit 1
