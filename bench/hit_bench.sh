#!/usr/bin/env bash
# Benchmark for memo -- <command> on one package of 2,000 source files and 2,000 outputs, next
# to backfill (installed from the npm registry into a scratch folder) on the same package in
# the same run. Not a test: it prints figures. Usage: bench/hit_bench.sh [runs]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
memo="$root/build/memo"
[ -x "$memo" ] || "$root/scripts/build.sh" >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }

# BENCH_DIR picks the filesystem (e.g. /dev/shm, to leave the disk out of the figures).
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memo-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "installing backfill into a scratch folder…"
npm install --prefix "$work/tools" --no-audit --no-fund --loglevel=error backfill@6 >/dev/null
backfill="$work/tools/node_modules/.bin/backfill"
echo "backfill $(node -p "require('$work/tools/node_modules/backfill/package.json').version")"

# The repo: a workspace root and one package with 20 folders of 100 sources each.
repo="$work/repo"
pkg="$repo/packages/big"
mkdir -p "$pkg"
echo '{"name":"bench","private":true,"workspaces":["packages/*"]}' > "$repo/package.json"
echo '{"name":"big","version":"1.0.0"}' > "$pkg/package.json"
# backfill needs a lockfile to find the workspace root, and ignores what git ignores.
printf '# yarn lockfile v1\n\n' > "$repo/yarn.lock"
printf 'node_modules\nlib\n' > "$repo/.gitignore"
for d in $(seq -w 0 19); do
  mkdir -p "$pkg/src/dir$d"
  for f in $(seq -w 0 99); do
    printf 'export const value%s%s = "%s";\n// padding to look like a real module %0200d\n' \
      "$d" "$f" "$d/$f" 0 > "$pkg/src/dir$d/file$f.ts"
  done
done
(cd "$repo" && git init -q && git add -A && git -c user.name=b -c user.email=b@example.com commit -qm init)
cmd='mkdir -p lib && cp -R src/. lib/'

# backfill's hash through its own API, the way its CLI computes it.
cat > "$work/backfill-hash.js" <<JS
const { computeHash, makeLogger } = require("$work/tools/node_modules/backfill/lib/api");
const logger = makeLogger("mute", process.stdout, process.stderr);
computeHash(process.cwd(), logger, "-- $cmd").then((hash) => console.log(hash));
JS

cd "$pkg"
# Fill both caches once.
"$memo" -- "$cmd" 2>/dev/null
rm -rf lib && "$backfill" -- "$cmd" >/dev/null 2>&1
rm -rf lib && "$backfill" -- "$cmd" 2>&1 | grep -q "Cache hit" || { echo "backfill does not hit" >&2; exit 1; }
echo "sources: $(find src -type f | wc -l), outputs: $(find lib -type f | wc -l)"

n=0
measure() {  # measure NAME PREPARE COMMAND
  n=$((n + 1))
  hyperfine --style none --warmup 2 --runs "$runs" --export-json "$work/result-$n.json" \
    -n "$1" --prepare "$2" "$3" >/dev/null || { echo "failed: $1" >&2; exit 1; }
}
measure "memo hit" 'rm -rf lib' "$memo --log-level error -- '$cmd'"
measure "backfill hit" 'rm -rf lib' "$backfill -- '$cmd'"
measure "memo hash" 'true' "$memo hash -- '$cmd'"
measure "backfill computeHash" 'true' "node $work/backfill-hash.js"
measure "command alone" 'rm -rf lib' "sh -c '$cmd'"
# The misses write memo's performance log of every run (outside the store), so that the time
# spent storing is known run by run, not from one sample.
measure "memo miss" "rm -rf lib $repo/node_modules/.cache/memo" \
  "MEMO_PRODUCE_PERFORMANCE_LOGS=true MEMO_LOG_FOLDER=$work/perf $memo --log-level error -- '$cmd'"
# A miss whose outputs are in the store already (a new cacheKey each run): what memo adds
# around the command when storing costs next to nothing.
measure "memo miss, blobs stored" 'rm -rf lib' \
  "MEMO_CACHE_KEY=\$(date +%s%N) MEMO_PRODUCE_PERFORMANCE_LOGS=true MEMO_LOG_FOLDER=$work/perf2 $memo --log-level error -- '$cmd'"
measure "memo start-up (--version)" 'true' "$memo --version"
measure "node start-up" 'true' "node -e 0"

node - "$work" "$work/perf" "$work/perf2" <<'JS'
const fs = require("fs");
const [dir, perfDir, perfDir2] = process.argv.slice(2);
const rows = fs.readdirSync(dir).filter((f) => f.startsWith("result-"))
  .sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)))
  .map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")).results[0]);
const ms = (name) => 1000 * rows.find((r) => r.command === name).median;
const sd = (name) => 1000 * rows.find((r) => r.command === name).stddev;
console.log("\nmedian wall time over the runs (± stddev):");
for (const r of rows) console.log(`  ${r.command.padEnd(28)} ${(1000 * r.median).toFixed(1).padStart(8)} ms  ± ${(1000 * r.stddev).toFixed(1)}`);
// The median of each timing over every miss measured (warm-up runs included).
const medians = (folder) => {
  const logs = fs.readdirSync(folder).map((f) => JSON.parse(fs.readFileSync(`${folder}/${f}`, "utf8")));
  const median = (key) => {
    const values = logs.map((log) => log[key]).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  // memo's own time in each run, less the command's and the storing's, as memo measured them.
  const own = logs.map((log) => log.totalTime - log.buildTime - log.putTime).sort((a, b) => a - b);
  return { putTime: median("putTime"), hashTime: median("hashTime"), runs: logs.length,
           own: own[Math.floor(own.length / 2)] };
};
const perf = medians(perfDir);
const perf2 = medians(perfDir2);
console.log("\nderived:");
console.log(`  hit: backfill / memo          ${(ms("backfill hit") / ms("memo hit")).toFixed(1)}x`);
console.log(`  hash: backfill / memo         ${(ms("backfill computeHash") / ms("memo hash")).toFixed(1)}x`);
const overhead = ms("memo miss") - ms("command alone");
console.log(`  miss overhead over the command ${overhead.toFixed(1)} ms, of which storing the outputs ${perf.putTime.toFixed(1)} ms, hashing ${perf.hashTime.toFixed(1)} ms (medians of ${perf.runs} performance logs)`);
console.log(`  miss overhead less storing     ${(overhead - perf.putTime).toFixed(1)} ms (difference of medians)`);
const startUp = ms("memo start-up (--version)");
console.log(`  the same, per run from memo's own logs: ${(perf.own + startUp).toFixed(1)} ms ` +
            `(totalTime - buildTime - putTime, median ${perf.own.toFixed(1)} ms, + start-up ${startUp.toFixed(1)} ms)`);
const overhead2 = ms("memo miss, blobs stored") - ms("command alone");
console.log(`  miss with blobs stored: overhead ${overhead2.toFixed(1)} ms, of which storing ${perf2.putTime.toFixed(1)} ms, hashing ${perf2.hashTime.toFixed(1)} ms; ` +
            `less storing, per run: ${(perf2.own + startUp).toFixed(1)} ms`);
console.log(`  memo start-up                  ${ms("memo start-up (--version)").toFixed(1)} ms (node: ${ms("node start-up").toFixed(1)} ms)`);
JS
