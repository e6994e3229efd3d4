#!/usr/bin/env bash
# Checks that every tracked .cpp/.hpp file is formatted as .clang-format says (clang-format
# --dry-run --Werror); lists the files that are not and fails. scripts/format.sh fixes them.
# MEMO_CLANG_FORMAT picks the binary (default: clang-format-14, Debian bookworm's, else
# clang-format): versions format a few constructs differently, so CI and laptops should agree.
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format="$(./scripts/clang-format-binary.sh)"

mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp')
unformatted=()
for file in "${files[@]}"; do
  "$clang_format" --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "check-format.sh: ${#unformatted[@]} of ${#files[@]} files are not formatted (scripts/format.sh fixes them):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "check-format.sh: ${#files[@]} files formatted"
