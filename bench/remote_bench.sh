#!/usr/bin/env bash
# Benchmark for remote caches. Not a test: it prints figures.
#   1. a remote hit from a fresh clone (no local store, no outputs) of a package with 2,000
#      output files (20 MB), through each backend the script can start, next to backfill's
#      azure-blob provider on the same Azurite in the same run;
#   2. a 200 MB entry's upload and download through each backend, next to plain curl PUT and
#      GET (into a file) of a file of the same size to the same server, with memo's peak memory;
#   3. a miss with the remote down (nothing on the port, and an address that never answers)
#      next to the same miss with --no-remote.
# Usage: bench/remote_bench.sh [runs]   (BENCH_DIR picks the filesystem, e.g. /dev/shm)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
memo="$root/build/memo"
server_tool="$root/build/tests/memo_test_server"
[ -x "$memo" ] && [ -x "$server_tool" ] || "$root/scripts/build.sh" >/dev/null
"$root/scripts/install-test-servers.sh"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memo-remote-bench.XXXXXX")
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "installing backfill into a scratch folder…"
npm install --prefix "$work/tools" --no-audit --no-fund --loglevel=error backfill@6 >/dev/null
backfill="$work/tools/node_modules/.bin/backfill"
echo "backfill $(node -p "require('$work/tools/node_modules/backfill/package.json').version")"

# start NAME: runs memo_test_server NAME and loads what it prints into SERVER_* variables.
start() {
  "$server_tool" "$1" >"$work/$1.env" 2>"$work/$1.log" &
  servers+=($!)
  for _ in $(seq 1 300); do grep -q SERVER_PID "$work/$1.env" && break; sleep 0.1; done
  grep -q SERVER_PID "$work/$1.env" || { echo "$1 did not start: $(cat "$work/$1.log")" >&2; exit 1; }
}
start azurite
start turbo
start verdaccio
azure_options=$(. "$work/azurite.env" && echo "$SERVER_OPTIONS")
turbo_options=$(. "$work/turbo.env" && echo "$SERVER_OPTIONS")
npm_options=$(. "$work/verdaccio.env" && echo "$SERVER_OPTIONS")
# backend name, provider, options
backends=("azure-blob|azure-blob|$azure_options" "http|http|$turbo_options" "npm|npm|$npm_options")
# The 200 MB transfers: npm holds a publish in memory (see docs/remote/npm.md), so not there.
big_backends=("azure-blob|azure-blob|$azure_options" "http|http|$turbo_options")

# The repo: a workspace root and one package whose build copies 2,000 sources of 10 KB.
repo="$work/repo"
pkg="$repo/packages/big"
mkdir -p "$pkg"
echo '{"name":"bench","private":true,"workspaces":["packages/*"]}' >"$repo/package.json"
echo '{"name":"big","version":"1.0.0"}' >"$pkg/package.json"
printf '# yarn lockfile v1\n\n' >"$repo/yarn.lock"
printf 'node_modules\nlib\n' >"$repo/.gitignore"
for d in $(seq -w 0 19); do
  mkdir -p "$pkg/src/dir$d"
  for f in $(seq -w 0 99); do
    { printf 'export const value%s%s = "%s";\n' "$d" "$f" "$d/$f"; head -c 7500 /dev/urandom | base64 -w 100; } \
      >"$pkg/src/dir$d/file$f.ts"
  done
done
(cd "$repo" && git init -q && git add -A && git -c user.name=b -c user.email=b@example.com commit -qm init)
cmd='mkdir -p lib && cp -R src/. lib/'
cd "$pkg"
echo "outputs: $(find src -type f | wc -l) files, $(du -sm src | cut -f1) MB"

n=0
measure() {  # measure NAME PREPARE COMMAND
  n=$((n + 1))
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/result-$n.json" \
    -n "$1" --prepare "$2" "$3" >/dev/null || { echo "failed: $1" >&2; exit 1; }
}
fresh_clone="rm -rf lib $repo/node_modules/.cache"

# 1. Fill each remote from a CI-like run, then time the fresh clone's remote hit.
for backend in "${backends[@]}"; do
  IFS='|' read -r name provider options <<<"$backend"
  export_env="MEMO_CACHE_PROVIDER=$provider MEMO_CACHE_PROVIDER_OPTIONS='$options'"
  eval "$fresh_clone"
  eval "$export_env LAGE_WRITE_REMOTE_CACHE=true $memo --log-level error -- '$cmd'"
  eval "$fresh_clone"
  out=$(eval "$export_env $memo -- '$cmd'" 2>&1)
  echo "$out" | grep -q "from the remote cache" || { echo "no remote hit through $name: $out" >&2; exit 1; }
  measure "memo remote hit ($name)" "$fresh_clone" "$export_env $memo --log-level error -- '$cmd'"
done
backfill_env="BACKFILL_CACHE_PROVIDER=azure-blob BACKFILL_CACHE_PROVIDER_OPTIONS='$azure_options'"
eval "$fresh_clone"
eval "$backfill_env $backfill -- '$cmd'" >/dev/null 2>&1
eval "$fresh_clone"
eval "$backfill_env $backfill -- '$cmd'" 2>&1 | grep -q "Cache hit" ||
  { echo "backfill does not hit on Azurite" >&2; exit 1; }
measure "backfill remote hit (azure-blob)" "$fresh_clone" "$backfill_env $backfill -- '$cmd'"

# 2. 200 MB: one package whose build writes one incompressible 200 MB file.
big="$repo/packages/huge"
mkdir -p "$big"
echo '{"name":"huge","version":"1.0.0"}' >"$big/package.json"
head -c 200000000 /dev/urandom >"$work/blob.bin"
echo "$RANDOM" >"$big/seed.txt"
big_cmd="mkdir -p lib && cp $work/blob.bin lib/blob.bin"
big_runs=7
# curl sends the file with -T (read as it goes, as memo reads its blob) and saves what it GETs
# into a file on the same file system, as memo does. Each run of memo is followed by curl's on
# the same server, so a drift of the machine's speed touches both alike.
got="$work/curl-got.bin"
transfers="$work/transfers.txt"
: >"$transfers"
# curl_put_get BACKEND RUN: one PUT and one GET of the 200 MB file with curl.
curl_put_get() {
  if [ "$1" = azure-blob ]; then
    (
      . "$work/azurite.env"
      url="$SERVER_CONTAINER_URL/curl-$2?$SERVER_SAS"
      put=$(curl -sf -o /dev/null -w '%{time_total}' -T "$work/blob.bin" -H 'x-ms-blob-type: BlockBlob' \
        -H 'x-ms-version: 2021-12-02' "$url")
      get=$(curl -sf -o "$got" -w '%{time_total}' -H 'x-ms-version: 2021-12-02' "$url")
      echo "curl-azure-blob put_s=$put get_s=$get" >>"$transfers"
    )
  else
    (
      . "$work/turbo.env"
      url="$SERVER_URL/v8/artifacts/curl$2$RANDOM?teamId=$SERVER_TEAM"
      put=$(curl -sf -o /dev/null -w '%{time_total}' -T "$work/blob.bin" \
        -H "Authorization: Bearer $SERVER_TOKEN" -H 'Content-Type: application/octet-stream' "$url")
      get=$(curl -sf -o "$got" -w '%{time_total}' -H "Authorization: Bearer $SERVER_TOKEN" "$url")
      echo "curl-http put_s=$put get_s=$get" >>"$transfers"
    )
  fi
  rm -f "$got"
}
cd "$big"
for backend in "${big_backends[@]}"; do
  IFS='|' read -r name provider options <<<"$backend"
  for i in $(seq 1 "$big_runs"); do
    echo "$name $i" >seed.txt  # a new key each time
    rm -rf lib "$repo/node_modules/.cache"
    /usr/bin/time -f "%M" -o "$work/up-rss" env MEMO_CACHE_PROVIDER="$provider" \
      MEMO_CACHE_PROVIDER_OPTIONS="$options" LAGE_WRITE_REMOTE_CACHE=true \
      "$memo" --log-level verbose -- "$big_cmd" 2>"$work/up.log"
    up_ms=$(sed -n 's/.*uploaded 1 entry ([0-9]* bytes) in \([0-9]*\) ms.*/\1/p' "$work/up.log")
    rm -rf lib "$repo/node_modules/.cache"
    /usr/bin/time -f "%M" -o "$work/down-rss" env MEMO_CACHE_PROVIDER="$provider" \
      MEMO_CACHE_PROVIDER_OPTIONS="$options" MEMO_PRODUCE_PERFORMANCE_LOGS=true \
      MEMO_LOG_FOLDER="$work/perf-$name-$i" "$memo" --log-level error -- "$big_cmd"
    down_ms=$(node -p "JSON.parse(require('fs').readFileSync(require('fs').readdirSync('$work/perf-$name-$i').map(f=>'$work/perf-$name-$i/'+f)[0])).downloadTime")
    echo "$name upload_ms=$up_ms upload_peak_kb=$(cat "$work/up-rss") download_ms=${down_ms%.*} download_peak_kb=$(cat "$work/down-rss")" >>"$transfers"
    curl_put_get "$name" "$i"
  done
done
cd "$pkg"

# 3. A miss with the remote down: nothing listening, and an address that never answers.
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
measure "miss, --no-remote" "rm -rf lib $repo/node_modules/.cache" \
  "MEMO_CACHE_PROVIDER=http MEMO_CACHE_PROVIDER_OPTIONS='$turbo_options' LAGE_WRITE_REMOTE_CACHE=true $memo --log-level error --no-remote -- '$cmd'"
measure "miss, remote refuses connections" "rm -rf lib $repo/node_modules/.cache" \
  "MEMO_CACHE_PROVIDER=http MEMO_CACHE_PROVIDER_OPTIONS='{\"url\":\"http://127.0.0.1:$dead_port\",\"token\":\"t\",\"team\":\"t\"}' LAGE_WRITE_REMOTE_CACHE=true $memo --log-level error -- '$cmd'"
measure "miss, remote never answers" "rm -rf lib $repo/node_modules/.cache" \
  "MEMO_CACHE_PROVIDER=http MEMO_CACHE_PROVIDER_OPTIONS='{\"url\":\"http://10.255.255.1:80\",\"token\":\"t\",\"team\":\"t\"}' LAGE_WRITE_REMOTE_CACHE=true $memo --log-level error -- '$cmd'"

node - "$work" "$transfers" <<'JS'
const fs = require("fs");
const [dir, transfers] = process.argv.slice(2);
const rows = fs.readdirSync(dir).filter((f) => f.startsWith("result-"))
  .sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)))
  .map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")).results[0]);
const ms = (name) => 1000 * rows.find((r) => r.command === name).median;
console.log("\nmedian wall time over the runs (± stddev):");
for (const r of rows) console.log(`  ${r.command.padEnd(36)} ${(1000 * r.median).toFixed(1).padStart(8)} ms  ± ${(1000 * r.stddev).toFixed(1)}`);
console.log("\n2,000-file remote hit from a fresh clone, backfill (azure-blob) / memo:");
for (const r of rows.filter((r) => r.command.startsWith("memo remote hit"))) {
  console.log(`  ${r.command.padEnd(36)} ${(ms("backfill remote hit (azure-blob)") / (1000 * r.median)).toFixed(1)}x faster`);
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const lines = fs.readFileSync(transfers, "utf8").trim().split("\n").map((line) => {
  const [name, ...pairs] = line.split(" ");
  return { name, ...Object.fromEntries(pairs.map((p) => p.split("=")).map(([k, v]) => [k, Number(v)])) };
});
console.log(`\n200 MB entry (medians of ${lines.filter((l) => l.name === "http").length}), memo next to curl on the same server, run by run:`);
for (const backend of ["azure-blob", "http"]) {
  const memo = lines.filter((l) => l.name === backend);
  const curl = lines.filter((l) => l.name === `curl-${backend}`);
  const up = median(memo.map((l) => l.upload_ms)), down = median(memo.map((l) => l.download_ms));
  const put = 1000 * median(curl.map((l) => l.put_s)), get = 1000 * median(curl.map((l) => l.get_s));
  const peak = Math.max(...memo.map((l) => Math.max(l.upload_peak_kb, l.download_peak_kb))) / 1024;
  // Each memo run over the curl run that followed it, then the median of those ratios.
  const upRatio = median(memo.map((l, i) => l.upload_ms / (1000 * curl[i].put_s)));
  const downRatio = median(memo.map((l, i) => l.download_ms / (1000 * curl[i].get_s)));
  console.log(`  ${backend.padEnd(11)} upload ${up.toFixed(0)} ms vs curl PUT ${put.toFixed(0)} ms (run by run ${upRatio.toFixed(2)}x), ` +
              `download ${down.toFixed(0)} ms vs curl GET ${get.toFixed(0)} ms (run by run ${downRatio.toFixed(2)}x), memo peak ${peak.toFixed(1)} MB`);
}
console.log("\nmiss with the remote down, time added over --no-remote:");
console.log(`  refused:       ${(ms("miss, remote refuses connections") - ms("miss, --no-remote")).toFixed(0)} ms`);
console.log(`  never answers: ${(ms("miss, remote never answers") - ms("miss, --no-remote")).toFixed(0)} ms`);
JS
