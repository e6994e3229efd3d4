#include "memo/cli/help.hpp"

#include "memo/config/loader.hpp"

namespace memo::cli {

namespace {

std::string settings_text() {
  std::string text =
      "Settings (backfill.config.js or memo.json, in the package or any folder up to the repo\n"
      "root; nearer wins; .env at the repo root < environment < flags). For each setting the\n"
      "env vars are BACKFILL_<NAME> (where backfill reads one) and MEMO_<NAME>, which wins:\n\n";
  for (const auto& spec : config::setting_specs()) {
    std::string line = "  " + std::string(spec.key);
    std::string vars;
    if (!spec.other_env.empty()) {
      for (char c : spec.other_env) vars += c == ' ' ? std::string(", ") : std::string(1, c);
      vars += ", ";
    }
    if (!spec.env_suffix.empty()) {
      if (spec.backfill_reads_env) vars += "BACKFILL_" + std::string(spec.env_suffix) + ", ";
      vars += "MEMO_" + std::string(spec.env_suffix);
    }
    if (!spec.flag.empty()) vars += (vars.empty() ? "" : ", ") + std::string(spec.flag);
    text += line + (vars.empty() ? "" : "  [" + vars + "]") + "\n      " + std::string(spec.help) +
            "\n";
  }
  text +=
      "  (provider options: BACKFILL_CACHE_PROVIDER_OPTIONS, MEMO_CACHE_PROVIDER_OPTIONS, JSON)\n";
  return text;
}

constexpr const char* kCommonFlags =
    "Flags:\n"
    "  --cwd DIR              run as if started in DIR\n"
    "  --config FILE          also read this memo.json or backfill.config.js (over the others)\n"
    "  --mode MODE            READ_WRITE, READ_ONLY, WRITE_ONLY or PASS\n"
    "  --restore-mode MODE    copy, clone or hardlink: how a hit puts files back\n"
    "  --cache-provider NAME  local or local-skip\n"
    "  --output-glob GLOB     an output glob (repeat it, or give a JSON array)\n"
    "  --log-level LEVEL      error, warn, info, verbose, silly or mute\n"
    "  -h, --help             this help\n";

}  // namespace

std::string help_text(const std::string& subcommand) {
  if (subcommand == "hash") {
    return std::string(
               "Usage: memo hash [flags] -- <command...>\n\n"
               "Prints the cache key of running <command> in this package, and nothing else on\n"
               "stdout. The key covers the package's files (hashGlobs), the repo-root files of\n"
               "environmentGlob, the command, cacheKey, the env vars named in `env`, outputGlob\n"
               "and memo's entry format.\n\n") +
           kCommonFlags +
           "  --manifest             print every input with its digest instead of the key\n";
  }
  if (subcommand == "explain") {
    return std::string(
               "Usage: memo explain [flags] [--json] -- <command...>\n\n"
               "Says why the next run of <command> in this package would miss: it compares\n"
               "today's inputs with those stored with the newest entry for this package and\n"
               "command, and lists the files added, removed or changed (paths from the repo\n"
               "root), the dependencies, the locked versions (old -> new) and the env vars\n"
               "(names only) that changed. When an entry under today's key is stored, the\n"
               "next run is a hit, and it says so.\n\n") +
           kCommonFlags + "  --json                 print JSON for tools\n";
  }
  if (subcommand == "cache") {
    return std::string(
        "Usage: memo cache stats [--json]\n"
        "       memo cache prune [--max-size SIZE] [--max-age AGE] [--json]\n\n"
        "stats: what the local store holds (entries, blobs, bytes) and what it did (hits,\n"
        "misses, the time hits saved).\n"
        "prune: removes the least recently used entries (a hit counts as use) until the store\n"
        "is under SIZE (5GB, 500MB, 2GiB) and those unused for longer than AGE (14d, 2w, 24h),\n"
        "then every blob no entry names and temp files a crashed process left. Never a blob a\n"
        "restore is reading. With maxCacheSize set, memo trims the store by itself after a\n"
        "store takes it over the size.\n");
  }
  if (subcommand == "run") {
    return std::string(
               "Usage: memo run [flags] <task...>\n\n"
               "Runs each selected package's package.json script for every task, as `npm run`\n"
               "would (node_modules/.bin on PATH, npm_package_* and npm_lifecycle_event set), in\n"
               "its folder, each through the cache as `memo --` runs a command. A target starts\n"
               "once the targets it depends on succeeded. The pipeline is memo.json's \"tasks\"\n"
               "at the repo root, else turbo.json's \"tasks\" (or \"pipeline\"), lage.config.js's\n"
               "\"pipeline\" or mila.json's \"targets\":\n"
               "  {\"tasks\": {\"build\": {\"dependsOn\": [\"^build\"], \"outputs\": "
               "[\"lib/**\"]}}}\n"
               "\"^build\" is build in every workspace dependency, \"build\" this package's,\n"
               "\"pkg#build\" that package's. Each line is prefixed with its target; a hit "
               "replays\n"
               "the stored output. The first failure stops new work.\n\n") +
           kCommonFlags +
           "  --concurrency N        run N targets at once (default: the number of cores)\n"
           "  --to PKG               PKG and the packages it depends on (a name or a glob)\n"
           "  --scope PKG, --from PKG  PKG and the packages that depend on it\n"
           "  --only                 the selected targets without their dependencies\n"
           "  --since REF            the packages changed since the git ref REF, and their\n"
           "                         dependents\n"
           "  --continue             after a failure, run what does not depend on it\n"
           "  --dry-run              print the targets in order with their keys and whether\n"
           "                         each would hit; run nothing\n"
           "  --graph                print the target graph as Graphviz DOT\n"
           "  --summary FILE         write what each target did as JSON\n"
           "  --force                run every script whatever the cache holds\n"
           "  --no-remote            neither read nor write the remote cache in this run\n";
  }
  if (subcommand == "config") {
    return std::string(
               "Usage: memo config [flags] [--json]\n\n"
               "Prints every setting's effective value and where it came from (default, a\n"
               "config file, .env, an env var or a flag). Secrets in provider options are\n"
               "redacted.\n\n") +
           kCommonFlags + "  --json                 print JSON\n\n" + settings_text();
  }
  return std::string(
             "memo: a build cache for monorepos.\n\n"
             "Usage:\n"
             "  memo [flags] -- <command...>   run <command> in this package through the cache\n"
             "  memo run [flags] <task...>     every package's script for the tasks, in order\n"
             "  memo hash [flags] -- <command...>  print the key\n"
             "  memo explain [flags] -- <command...>  why the next run would miss\n"
             "  memo config [--json]           print the effective config and its origins\n"
             "  memo cache stats | prune       the local store's size and counters; eviction\n"
             "  memo <subcommand> --help       help on one subcommand\n\n"
             "The words after -- are joined with spaces and run with /bin/sh -c in the package\n"
             "folder. On a hit the outputs are restored and the command does not run; on a miss\n"
             "it runs and, when it exits 0, its outputs are stored. memo exits with the\n"
             "command's exit code, or 2 when a flag or a config file must be fixed (then\n"
             "nothing runs). A cache problem is a warning and the command runs uncached.\n\n") +
         kCommonFlags +
         "  --force                run the command whatever the cache holds (and store it)\n"
         "  --no-remote            neither read nor write the remote cache in this run\n"
         "  --version              print memo's version\n\n" +
         settings_text();
}

}  // namespace memo::cli
