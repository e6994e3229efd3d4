#!/usr/bin/env bash
# Benchmark for `memo hash` on a monorepo of 200 packages of 500 sources each (100,000 files,
# with internal dependencies forming a DAG), next to git (ls-files, status) and turbo
# (`turbo run build --dry=json`, installed from the npm registry into a scratch folder) on the
# same tree in the same run. Not a test: it prints figures. Usage: bench/repo_bench.sh [runs]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
[ -x "$root/build/memo" ] || "$root/scripts/build.sh" >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

t0=$(date +%s)
# BENCH_DIR picks the filesystem (e.g. /dev/shm, to leave the disk out of the figures).
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memo-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A copy, so that a rebuild of build/memo during the run changes nothing.
memo="$work/memo"
cp "$root/build/memo" "$memo"
echo "$("$memo" --version)"

# Turbo must never reach the network: no telemetry, no update check, no remote cache (also
# disabled in turbo.json below).
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1
unset TURBO_TOKEN TURBO_TEAM TURBO_API TURBO_LOGIN TURBO_REMOTE_ONLY TURBO_REMOTE_CACHE_READ_ONLY
echo "installing turbo into a scratch folder…"
npm install --prefix "$work/tools" --no-audit --no-fund --loglevel=error turbo@2.11.11 >/dev/null
# The platform's native binary itself: node_modules/.bin/turbo is a node script that starts it.
turbo=$(ls "$work"/tools/node_modules/@turbo/*/bin/turbo | head -n 1)
echo "turbo $("$turbo" --version)"

# The repo: 200 packages p000…p199, each 10 folders of 50 small .ts files, depending on 0 to 3
# packages of a lower index (chosen by a fixed LCG, mostly among the 30 before it, so the
# graph is deep); p000 is a leaf and p199 depends on the package with the largest transitive
# closure, so its closure is the largest.
repo="$work/repo"
mkdir -p "$repo"
echo "generating the repo…"
start=$(date +%s.%N)
node "$root/bench/generate_monorepo.js" "$repo" 200 10 50 "memo -- tsc -b" > "$work/closures"
cd "$repo"
# npm resolves workspace-only dependencies without the network; if it cannot, the minimal
# lockfileVersion 3 the generator wrote stays.
if ! npm install --package-lock-only --ignore-scripts --offline --no-audit --no-fund \
    --loglevel=error >/dev/null 2>"$work/npm.err"; then
  echo "npm install --package-lock-only failed ($(head -c 200 "$work/npm.err")); keeping a minimal lockfile"
fi
git init -q && git add -A && git -c user.name=b -c user.email=b@example.com commit -qm init
end=$(date +%s.%N)
echo "generated $(git ls-files | wc -l) files in $(node -p "($end - $start).toFixed(1)") s"
while read -r p direct total; do
  echo "  $p: $direct direct dependencies, $total in its transitive closure"
done < "$work/closures"
echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# Sanity: every memo hash and turbo's dry run succeed; show what they print on stderr once.
for dir in . packages/p000 packages/p100 packages/p199; do
  (cd "$dir" && "$memo" hash -- build >/dev/null 2>"$work/memo.err") \
    || { echo "memo hash failed in $dir: $(cat "$work/memo.err")" >&2; exit 1; }
  [ -s "$work/memo.err" ] && echo "memo hash in $dir said on stderr: $(head -c 500 "$work/memo.err")"
done
echo "memo hash at the root covers $("$memo" hash --manifest -- build | grep -c '^file ') files" \
  "(the root's own; the packages are nested packages, not part of it)"
for p in p100 p199; do
  echo "memo hash in $p covers $(cd "packages/$p" && "$memo" hash --manifest -- build | grep -c '^file ') files"
done
"$turbo" run build --dry=json > "$work/dry.json" 2>"$work/turbo.err" \
  || { echo "turbo failed: $(cat "$work/turbo.err")" >&2; exit 1; }
"$turbo" run build --dry=json --filter=@bench/p100 > "$work/dry-p100.json" 2>>"$work/turbo.err" \
  || { echo "turbo --filter failed: $(cat "$work/turbo.err")" >&2; exit 1; }
echo "turbo --dry=json: $(node -p "require('$work/dry.json').tasks.length") tasks," \
  "with --filter=@bench/p100: $(node -p "require('$work/dry-p100.json').tasks.length") tasks"
sort -u "$work/turbo.err" | sed 's/^ */turbo said on stderr: /'

began=$(date +%s)
n=0
measure() {  # measure NAME RUNS WARMUP PREPARE COMMAND (no shell, unless NAME ends in "(sh)")
  n=$((n + 1))
  local shell=(-N)
  [[ $1 == *"(sh)" ]] && shell=()
  hyperfine --style none "${shell[@]}" --warmup "$3" --runs "$2" --export-json "$work/result-$n.json" \
    -n "$1" --prepare "$4" "$5" >/dev/null 2>"$work/hyperfine.err" \
    || { echo "failed: $1: $(cat "$work/hyperfine.err")" >&2; exit 1; }
  echo "  measured: $1 ($(($(date +%s) - began)) s so far)"
}
drop_memo="sh -c 'rm -rf $repo/node_modules/.cache/memo'"
for p in p000 p100 p199; do
  cd "$repo/packages/$p"
  measure "memo hash $p warm" "$runs" 2 true "$memo hash -- build"
  measure "memo hash $p cold memo cache" "$runs" 1 "$drop_memo" "$memo hash -- build"
done
cd "$repo"
measure "memo hash root warm" "$runs" 2 true "$memo hash -- build"
measure "memo hash root cold memo cache" "$runs" 1 "$drop_memo" "$memo hash -- build"
measure "per-package loop, 200 processes (sh)" 2 0 true \
  "for p in packages/*; do $memo hash --cwd \$p -- build; done"
measure "git ls-files -s" "$runs" 2 true "git ls-files -s"
measure "git status" "$runs" 2 true "git status"
measure "turbo --dry=json" "$runs" 1 true "$turbo run build --dry=json"
measure "turbo --dry=json --filter=p100" "$runs" 1 true "$turbo run build --dry=json --filter=@bench/p100"
measure "memo --version (start-up)" 20 3 true "$memo --version"

# The whole repo in one memo process: the root made to depend on every package (in the work
# tree only), so that its key covers every package's files.
cp package.json "$work/package.json.orig"
node -e '
const fs = require("fs");
const root = JSON.parse(fs.readFileSync("package.json", "utf8"));
root.devDependencies = Object.fromEntries(fs.readdirSync("packages").sort().map((d) => ["@bench/" + d, "*"]));
fs.writeFileSync("package.json", JSON.stringify(root, null, 2) + "\n");'
"$memo" hash -- build >/dev/null 2>"$work/memo.err" || { echo "memo hash (whole repo) failed: $(cat "$work/memo.err")" >&2; exit 1; }
[ -s "$work/memo.err" ] && echo "memo hash (whole repo) said on stderr: $(head -c 500 "$work/memo.err")"
echo "memo hash at the root depending on every package covers $("$memo" hash --manifest -- build | grep -c '^file ') files"
measure "memo hash whole repo warm" "$runs" 2 true "$memo hash -- build"
measure "memo hash whole repo cold memo cache" "$runs" 1 "$drop_memo" "$memo hash -- build"

# Page cache dropped before each run (needs root).
drop_os=no
if (sync && echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
  drop_os=yes
  drop_all="sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches; rm -rf $repo/node_modules/.cache/memo'"
  measure "memo hash whole repo cold OS cache" 3 0 "$drop_all" "$memo hash -- build"
  measure "git status cold OS cache" 3 0 "$drop_all" "git status"
  for p in p000 p100 p199; do
    cd "$repo/packages/$p"
    measure "memo hash $p cold OS cache" 3 0 "$drop_all" "$memo hash -- build"
  done
else
  echo "could not drop the OS page cache here (sync; echo 3 > /proc/sys/vm/drop_caches needs root): no cold-OS runs"
fi

# Peak memory: the largest max RSS of 3 runs, in KB.
peak() {  # peak DIR
  local max=0 kb
  for _ in 1 2 3; do
    kb=$(cd "$1" && /usr/bin/time -f %M "$memo" hash -- build 2>&1 >/dev/null | tail -n 1)
    [ "$kb" -gt "$max" ] && max=$kb
  done
  echo "$max"
}
rss_whole=$(peak "$repo")
cp "$work/package.json.orig" "$repo/package.json"
rss_root=$(peak "$repo")
rss_p100=$(peak "$repo/packages/p100")
rss_p199=$(peak "$repo/packages/p199")
echo "load average after measuring: $(cut -d' ' -f1-3 /proc/loadavg)"

node - "$work" "$drop_os" "$rss_root" "$rss_p100" "$rss_p199" "$rss_whole" <<'JS'
const fs = require("fs");
const [dir, dropOs, ...rss] = process.argv.slice(2);
const [rssRoot, rssP100, rssP199, rssWhole] = rss.map((kb) => Number(kb) / 1024);
const rows = fs.readdirSync(dir).filter((f) => f.startsWith("result-"))
  .sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)))
  .map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")).results[0]);
const ms = (name) => 1000 * rows.find((r) => r.command === name).median;
console.log("\nmedian wall time (ms) ± stddev over the runs, and the mean CPU time (user + system):");
for (const r of rows) {
  const cpu = 1000 * (r.user + r.system);
  console.log(`  ${r.command.padEnd(38)} ${(1000 * r.median).toFixed(1).padStart(9)} ± ${(1000 * r.stddev).toFixed(1).padStart(6)}` +
              `   cpu ${cpu.toFixed(1).padStart(8)}   (${r.times.length} runs)`);
}
console.log("\npeak memory (max RSS of memo hash -- build):");
console.log(`  root (its own files)              ${rssRoot.toFixed(1).padStart(6)} MB`);
console.log(`  p100                              ${rssP100.toFixed(1).padStart(6)} MB`);
console.log(`  p199                              ${rssP199.toFixed(1).padStart(6)} MB`);
console.log(`  whole repo (root on every package) ${rssWhole.toFixed(1).padStart(5)} MB`);

const check = (ok) => (ok ? "met" : "NOT met");
const whole = ms("memo hash whole repo warm");
const wholeCold = ms("memo hash whole repo cold memo cache");
const loop = ms("per-package loop, 200 processes (sh)");
const status = ms("git status");
const turbo = ms("turbo --dry=json");
console.log("\nagainst the targets:");
console.log(`  whole repo, one process / git status        ${(whole / status).toFixed(2)}x   (target <= 1.2x: ${check(whole / status <= 1.2)})`);
console.log(`  per-package loop / git status               ${(loop / status).toFixed(1)}x   (for reference)`);
console.log(`  turbo --dry=json / whole repo, one process  ${(turbo / whole).toFixed(2)}x   (target >= 4x: ${check(turbo / whole >= 4)})`);
console.log(`  the same, memo's own cache dropped:  / git status ${(wholeCold / status).toFixed(2)}x, turbo / memo ${(turbo / wholeCold).toFixed(2)}x   (for reference)`);
console.log(`  turbo --dry=json / per-package loop         ${(turbo / loop).toFixed(2)}x   (for reference)`);
console.log(`  turbo --filter=p100 / memo hash p100        ${(ms("turbo --dry=json --filter=p100") / ms("memo hash p100 warm")).toFixed(2)}x   (for reference)`);
console.log(`  mid-graph package p100, warm                ${ms("memo hash p100 warm").toFixed(1)} ms   (target < 100 ms: ${check(ms("memo hash p100 warm") < 100)})`);
if (dropOs === "yes") console.log(`  mid-graph package p100, cold OS cache       ${ms("memo hash p100 cold OS cache").toFixed(1)} ms   (for reference)`);
console.log(`  start-up (memo --version)                   ${ms("memo --version (start-up)").toFixed(1)} ms   (target < 10 ms: ${check(ms("memo --version (start-up)") < 10)})`);
const maxRss = Math.max(rssP199, rssRoot);
console.log(`  peak memory, p199 and root                  ${maxRss.toFixed(1)} MB   (target < 60 MB: ${check(maxRss < 60)})`);
console.log(`  peak memory, whole repo in one process      ${rssWhole.toFixed(1)} MB   (target < 60 MB: ${check(rssWhole < 60)})`);
JS
echo "total run: $(($(date +%s) - t0)) s"
