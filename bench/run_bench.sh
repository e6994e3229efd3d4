#!/usr/bin/env bash
# Benchmark for `memo run build` next to `turbo run build` and `lage build` (installed from the
# npm registry into a scratch folder) on one generated monorepo (bench/generate_monorepo.js),
# each package's build copying its sources into lib/. Three states: cold (no cache, no
# outputs), warm with the outputs deleted (memo in copy mode, and in hardlink mode), warm with
# the outputs intact; with `cp -a` of the same outputs and the scripts run without any cache
# (memo run in PASS mode, same scheduler and concurrency) as the floors. Not a test: it prints
# figures.
# Usage: bench/run_bench.sh [runs] [packages] [folders per package] [files per folder]
#   bench/run_bench.sh 3 200 10 50    # 200 packages x 500 files (the default)
#   bench/run_bench.sh 10 20 5 10     # 20 packages x 50 files
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
packages=${2:-200}
folders=${3:-10}
files=${4:-50}
[ -x "$root/build/memo" ] || "$root/scripts/build.sh" >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

# BENCH_DIR picks the filesystem (e.g. /dev/shm, to leave the disk out of the figures).
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memo-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
memo="$work/memo"  # a copy: a rebuild of build/memo during the run changes nothing
cp "$root/build/memo" "$memo"
echo "$("$memo" --version)"

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1
unset TURBO_TOKEN TURBO_TEAM TURBO_API TURBO_LOGIN TURBO_REMOTE_ONLY TURBO_REMOTE_CACHE_READ_ONLY
echo "installing turbo and lage into a scratch folder…"
npm install --prefix "$work/tools" --no-audit --no-fund --loglevel=error turbo@2.11.11 \
  lage@2.17.0 >/dev/null
turbo=$(ls "$work"/tools/node_modules/@turbo/*/bin/turbo | head -n 1)  # the native binary
lage="$work/tools/node_modules/.bin/lage"
echo "turbo $("$turbo" --version), lage $(node -p "require('$work/tools/node_modules/lage/package.json').version")"

repo="$work/repo"
mkdir -p "$repo"
node "$root/bench/generate_monorepo.js" "$repo" "$packages" "$folders" "$files" \
  "mkdir -p lib && cp -R src/. lib/" >/dev/null
cd "$repo"
npm install --package-lock-only --ignore-scripts --offline --no-audit --no-fund \
  --loglevel=error >/dev/null 2>&1 || true
git init -q && git add -A && git -c user.name=b -c user.email=b@example.com commit -qm init
jobs=$(nproc)
echo "$packages packages x $((folders * files)) files ($(git ls-files | wc -l) in git)," \
  "concurrency $jobs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

outputs='rm -rf packages/*/lib'
caches='rm -rf node_modules/.cache packages/*/node_modules/.cache .turbo'
declare -A command=(
  [memo]="$memo run build --concurrency $jobs"
  [turbo]="$turbo run build --concurrency=$jobs"
  [lage]="$lage build --concurrency $jobs"
)

n=0
median() { node -p "require('$1').results[0].median"; }
measure() {  # measure NAME PREPARE WARMUP-RUNS COMMAND: prints the median in seconds
  n=$((n + 1))
  hyperfine --style none --warmup "$3" --runs "$runs" --export-json "$work/r$n.json" \
    --prepare "$2" -n "$1" "$4" >/dev/null 2>"$work/r$n.err" || {
    echo "failed: $1: $(tail -c 300 "$work/r$n.err")" >&2
    exit 1
  }
  median "$work/r$n.json"
}

declare -A result
for tool in memo turbo lage; do
  echo "measuring $tool…"
  # Cold: nothing cached, no outputs (hyperfine's warm-up would fill the cache: none).
  result[$tool,cold]=$(measure "$tool cold" "$caches; $outputs" 0 "${command[$tool]}")
  # The cache is filled now: outputs deleted, then intact.
  result[$tool,deleted]=$(measure "$tool deleted" "$outputs" 0 "${command[$tool]}")
  result[$tool,intact]=$(measure "$tool intact" "true" 1 "${command[$tool]}")
  if [ "$tool" = memo ]; then
    # memo's restoreMode hardlink, which stores a blob per file (copy mode packs small ones):
    # its own cold runs fill the cache the deleted runs restore from.
    result[hardlink,cold]=$(measure "memo cold, hardlink" "$caches; $outputs" 0 \
      "${command[memo]} --restore-mode hardlink")
    result[hardlink,deleted]=$(measure "memo deleted, hardlink" "$outputs" 0 \
      "${command[memo]} --restore-mode hardlink")
  fi
  eval "$caches; $outputs"
done

# The floors: the scripts run without a cache (PASS), and cp -a of every output.
result[plain,cold]=$(measure "scripts, no cache" "$outputs" 0 "${command[memo]} --mode PASS")
mkdir -p "$work/outputs"
for dir in packages/*/lib; do cp -a "$dir" "$work/outputs/$(basename "$(dirname "$dir")")"; done
result[cp,deleted]=$(measure "cp -a" "rm -rf $work/copy" 0 "cp -a $work/outputs $work/copy")
output_files=$(find "$work/outputs" -type f | wc -l)

# memo's peak memory, cold and warm with the outputs deleted.
eval "$caches; $outputs"
peak_cold=$(/usr/bin/time -f %M ${command[memo]} 2>&1 >/dev/null | tail -n 1)
eval "$outputs"
peak_deleted=$(/usr/bin/time -f %M ${command[memo]} 2>&1 >/dev/null | tail -n 1)

# The same outputs as turbo's: rebuilt by turbo, compared with memo's restore.
eval "$caches; $outputs"
"$turbo" run build --concurrency="$jobs" >/dev/null 2>&1
cp -a packages "$work/turbo-packages"
eval "$outputs"
${command[memo]} >/dev/null 2>&1
eval "$outputs"
${command[memo]} >/dev/null 2>&1
same=yes
for dir in packages/*/lib; do
  diff -r "$dir" "$work/turbo-packages/${dir#packages/}" >/dev/null || same=no
done

ms() { node -p "($1 * 1000).toFixed(1)"; }
ratio() { node -p "($1 / $2).toFixed(2)"; }
echo
echo "medians of $runs runs, $output_files output files (milliseconds):"
printf '%-26s %10s %10s %10s %14s %14s\n' "" memo turbo lage "turbo / memo" "lage / memo"
for state in cold deleted intact; do
  printf '%-26s %10s %10s %10s %14s %14s\n' "$state" "$(ms "${result[memo,$state]}")" \
    "$(ms "${result[turbo,$state]}")" "$(ms "${result[lage,$state]}")" \
    "$(ratio "${result[turbo,$state]}" "${result[memo,$state]}")" \
    "$(ratio "${result[lage,$state]}" "${result[memo,$state]}")"
done
echo "scripts without a cache: $(ms "${result[plain,cold]}") ms; memo cold / that:" \
  "$(ratio "${result[memo,cold]}" "${result[plain,cold]}")"
echo "cp -a of the outputs: $(ms "${result[cp,deleted]}") ms; memo deleted / that:" \
  "$(ratio "${result[memo,deleted]}" "${result[cp,deleted]}")"
echo "memo in hardlink mode: cold $(ms "${result[hardlink,cold]}") ms, deleted" \
  "$(ms "${result[hardlink,deleted]}") ms; turbo / that, deleted:" \
  "$(ratio "${result[turbo,deleted]}" "${result[hardlink,deleted]}")"
echo "memo peak RSS: cold $((peak_cold / 1024)) MB, deleted $((peak_deleted / 1024)) MB"
echo "memo's restored outputs are turbo's: $same"
