#!/usr/bin/env bash
# Installs what building and testing memo needs from Debian's packages, only when missing.
# Safe to run again and again. --fuzz adds clang with libFuzzer (scripts/fuzz.sh).
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config git libssl-dev nlohmann-json3-dev libyaml-cpp-dev libgtest-dev
  clang-format libcurl4-openssl-dev libzstd-dev zlib1g-dev)
if [ "${1:-}" = --fuzz ]; then
  # bookworm's clang-19 compiles the C++23 std::expected memo uses (clang 14 cannot);
  # libclang-rt-19-dev holds libFuzzer and the sanitizers' runtimes.
  packages+=(clang-19 libclang-rt-19-dev)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
# backfill.config.js files are evaluated with node; any node on PATH will do.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
