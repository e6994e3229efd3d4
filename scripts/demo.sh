#!/usr/bin/env bash
# Installs what is missing, builds memo, and runs it on a small example monorepo in a temp
# folder: a miss, then a hit, then a miss again after a source change.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/build.sh >/dev/null
memo="$PWD/build/memo"

repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
mkdir -p "$repo/packages/greet/src" "$repo/packages/app/src"
cat > "$repo/package.json" <<'JSON'
{ "name": "example", "private": true, "workspaces": ["packages/*"] }
JSON
cat > "$repo/packages/greet/package.json" <<'JSON'
{ "name": "greet", "version": "1.0.0", "scripts": { "build": "memo -- ./build.sh" } }
JSON
cat > "$repo/packages/greet/build.sh" <<'SH'
#!/bin/sh
# A stand-in for a slow compiler: one second, then lib/ from src/.
sleep 1
mkdir -p lib
for f in src/*.ts; do sed 's/: string//g' "$f" > "lib/$(basename "${f%.ts}").js"; done
SH
chmod +x "$repo/packages/greet/build.sh"
echo 'export const greet = (name: string) => `hello ${name}`;' > "$repo/packages/greet/src/index.ts"
(cd "$repo" && git init -q && git add -A && git -c user.name=demo -c user.email=demo@example.com commit -qm init)

cd "$repo/packages/greet"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "memo -- ./build.sh          # first run: a miss, the build runs and its outputs are stored"
"$memo" -- ./build.sh
step "rm -rf lib && memo -- ./build.sh   # same inputs: a hit, lib/ comes back without building"
rm -rf lib
"$memo" -- ./build.sh
ls lib
step "edit src/index.ts && memo explain -- ./build.sh   # why the next run will miss"
echo 'export const bye = (name: string) => `bye ${name}`;' >> src/index.ts
"$memo" explain -- ./build.sh
step "memo -- ./build.sh          # an input changed: a miss again"
"$memo" -- ./build.sh
step "memo hash -- ./build.sh     # the key, on stdout"
"$memo" hash -- ./build.sh
step "memo config                 # every setting, and where it came from"
"$memo" config
