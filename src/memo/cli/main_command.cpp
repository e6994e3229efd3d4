#include "memo/cli/main_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "memo/cli/arguments.hpp"
#include "memo/cli/cache_command.hpp"
#include "memo/cli/explain_command.hpp"
#include "memo/cli/help.hpp"
#include "memo/cli/run_command.hpp"
#include "memo/config/loader.hpp"
#include "memo/hash/package_key.hpp"
#include "memo/step/cache_setup.hpp"
#include "memo/step/cached_step.hpp"
#include "memo/step/key_inputs.hpp"
#include "memo/util/json.hpp"
#include "memo/util/log.hpp"
#include "memo/workspace/workspace.hpp"

namespace memo::cli {

namespace {

namespace fs = std::filesystem;
using util::Log;

int print_config(const config::Config& config, bool as_json) {
  if (as_json) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : config.shown) {
      out[key] = {{"value", value}, {"origin", config.origins.at(key).describe()}};
    }
    out["repoRoot"] = {{"value", config.repo_root.string()}, {"origin", "discovered"}};
    std::cout << util::json_text(out, 2) << "\n";
    return 0;
  }
  std::cout << "repoRoot = " << config.repo_root.string() << "  (discovered)\n";
  for (const auto& [key, value] : config.shown) {
    std::cout << key << " = " << util::json_text(value) << "  ("
              << config.origins.at(key).describe() << ")\n";
  }
  return 0;
}

int print_key(const config::Config& config, const std::string& command,
              const step::KeyInputs& inputs, bool manifest) {
  auto key = step::compute_key(config, command, inputs);
  if (!key) {
    Log::error("cannot compute the key: " + key.error());
    return 1;
  }
  std::cout << (manifest ? hash::expanded_manifest(*key) : key->key + "\n");
  hash::keep_records(key->records);
  return 0;
}

// What the key covers beyond the package's own settings, its warnings said; an exit code when
// the workspace is broken. The workspace is the user's to get right: a broken package.json
// stops memo here. One that could not be read (EMFILE, EIO) is a cache problem instead: the
// inputs carry it, so there is no key and the command runs uncached.
std::expected<step::KeyInputs, int> key_inputs(const config::Config& config) {
  auto workspace = workspace::discover_workspace(config.repo_root);
  if (!workspace && workspace.error().cache_problem) {
    step::KeyInputs inputs;
    inputs.cache_problem = "cannot read the workspace: " + workspace.error().message;
    return inputs;
  }
  if (!workspace) return std::unexpected(usage_error(workspace.error().message));
  for (const auto& warning : workspace->warnings) Log::warn(warning);
  auto inputs = step::resolve_key_inputs(config, *workspace);
  if (!inputs) return std::unexpected(usage_error(inputs.error()));
  for (const auto& warning : inputs->warnings) Log::warn(warning);
  if (!inputs->cycle.empty()) {
    std::string cycle;
    for (const auto& name : inputs->cycle) cycle += (cycle.empty() ? "" : " -> ") + name;
    Log::warn("dependency cycle: " + cycle + "; each package on it is hashed once");
  }
  return std::move(*inputs);
}

}  // namespace

int usage_error(const std::string& message) {
  Log::set_level(util::LogLevel::Error);
  Log::error(message);
  return kUsageError;
}

int main_command(int argc, const char* const* argv) {
  auto args = parse_arguments(argc, argv);
  if (!args) return usage_error(args.error());
  if (args->version) {
    std::cout << "memo " << MEMO_VERSION << "\n";
    return 0;
  }
  if (args->help) {
    std::cout << help_text(args->subcommand);
    return 0;
  }
  const bool takes_command =
      args->subcommand != "config" && args->subcommand != "cache" && args->subcommand != "run";
  if (takes_command && (!args->saw_separator || args->command_words.empty())) {
    return usage_error("no command given; usage: memo [flags] -- <command...> (see memo --help)");
  }
  if (!takes_command && args->saw_separator) {
    return usage_error("memo " + args->subcommand + " takes no command");
  }
  if (args->subcommand == "cache" && args->cache_action.empty()) {
    return usage_error(
        "memo cache needs an action: memo cache stats, or memo cache prune "
        "[--max-size 5GB] [--max-age 14d]");
  }
  if ((args->max_size || args->max_age) && args->cache_action != "prune") {
    return usage_error("--max-size and --max-age go with memo cache prune");
  }
  const bool run_options = args->concurrency || args->keep_going || args->only || args->dry_run ||
                           args->graph || args->since || args->summary_file || !args->to.empty() ||
                           !args->scope.empty();
  if (run_options && args->subcommand != "run") {
    return usage_error(
        "--concurrency, --continue, --only, --dry-run, --graph, --since, --summary, --to and "
        "--scope go with memo run, as in: memo run build --to app");
  }

  std::error_code error;
  fs::path working_directory = fs::current_path(error);
  if (error) return usage_error("cannot read the current folder: " + error.message());
  if (args->flags.config_file) {
    // A path typed on the command line is relative to where memo was started, not to --cwd.
    args->flags.config_file = (working_directory / *args->flags.config_file).lexically_normal();
  }
  if (!args->cwd.empty()) {
    working_directory = (working_directory / args->cwd).lexically_normal();
    if (!fs::is_directory(working_directory, error)) {
      return usage_error("--cwd: " + working_directory.string() + " is not a folder");
    }
  }
  if (working_directory.filename().empty()) working_directory = working_directory.parent_path();
  if (args->subcommand == "run") return run_tasks(*args, working_directory);

  auto config = config::load_config(working_directory, args->flags, config::process_environment());
  if (!config) return usage_error(config.error());
  Log::set_level(config->log_level);

  if (args->subcommand == "config") return print_config(*config, args->json);
  if (args->subcommand == "cache") {
    if (args->cache_action == "stats") return cache_stats(*config, args->json);
    return cache_prune(*config, args->max_size, args->max_age, args->json);
  }

  auto opened = step::OpenedCache::open(*config, args->no_remote);
  if (!opened) {
    return usage_error(opened.error() + " (cacheStorageConfig from " +
                       config->origins.at("cacheStorageConfig").describe() + ")");
  }
  store::Cache& cache = (*opened)->cache();

  // PASS only runs the command: no key, so no workspace to read.
  if (args->subcommand.empty() && config->mode == config::Mode::Pass) {
    return step::run_cached_step(*config, args->command(), {}, cache, {.force = args->force})
        .exit_code;
  }

  auto inputs = key_inputs(*config);
  if (!inputs) return inputs.error();

  if (args->subcommand == "hash")
    return print_key(*config, args->command(), *inputs, args->manifest);
  if (args->subcommand == "explain")
    return explain(*config, args->command(), *inputs, cache, args->json);
  int exit_code =
      step::run_cached_step(*config, args->command(), *inputs, cache, {.force = args->force})
          .exit_code;
  cache.finish_uploads();
  return exit_code;
}

}  // namespace memo::cli
