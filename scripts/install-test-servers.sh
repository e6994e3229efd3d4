#!/usr/bin/env bash
# Installs the real storage servers the remote-cache tests start on 127.0.0.1, only what is
# missing: Azurite, Verdaccio and turborepo-remote-cache from the npm registry (pinned, into a
# cache folder outside the repo), OpenStack Swift with s3api from Debian's packages.
# Prints nothing when everything is there. The folder is $MEMO_TEST_SERVERS (default
# ~/.cache/memo-test-servers); the tests find it the same way.
set -euo pipefail

dir="${MEMO_TEST_SERVERS:-$HOME/.cache/memo-test-servers}"
mkdir -p "$dir"

# name, folder, package.json's dependencies (and overrides where a server needs one)
install_npm() {
  local folder="$dir/$1" manifest="$2" probe="$3"
  [ -e "$folder/node_modules/$probe" ] && return 0
  echo "installing $1 (npm) into $folder"
  mkdir -p "$folder"
  printf '%s\n' "$manifest" >"$folder/package.json"
  (cd "$folder" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
}

install_npm azurite '{"private":true,"dependencies":{"azurite":"3.35.0"}}' .bin/azurite-blob
install_npm verdaccio \
  '{"private":true,"dependencies":{"verdaccio":"6.8.0"},"overrides":{"node-fetch":"2.7.0"}}' \
  .bin/verdaccio
install_npm turbo-cache '{"private":true,"dependencies":{"turborepo-remote-cache":"2.12.0"}}' \
  .bin/turborepo-remote-cache

. "$(dirname "$0")/lib/apt.sh"
swift=(swift-proxy swift-account swift-container swift-object)
apt_install_missing "${swift[@]}"
if [ ${#APT_INSTALLED[@]} -gt 0 ]; then
  # The packages may start system services; the tests start their own instances.
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  for service in "${swift[@]}"; do
    "${sudo_cmd[@]}" systemctl stop "$service" >/dev/null 2>&1 || true
  done
fi
