#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "memo/config/loader.hpp"

namespace memo::cli {

// What the command line asked for.
struct Arguments {
  std::string subcommand;    // "" (run the command through the cache), "hash", "explain",
                             // "config", "cache", "run"
  std::string cache_action;  // memo cache stats | prune
  std::optional<std::string> max_size;  // memo cache prune --max-size
  std::optional<std::string> max_age;   // memo cache prune --max-age
  bool help = false;
  bool version = false;
  bool json = false;
  bool manifest = false;   // memo hash --manifest: the inputs instead of the key
  bool force = false;      // --force: run whatever the cache holds
  bool no_remote = false;  // --no-remote: leave the remote cache alone for this run
  std::string cwd;
  config::Flags flags;
  std::vector<std::string> command_words;  // after "--"
  bool saw_separator = false;

  // memo run <task…>
  std::vector<std::string> tasks;
  std::optional<std::string> concurrency;   // --concurrency N (checked by memo run)
  bool keep_going = false;                  // --continue
  bool only = false;                        // --only: no dependencies
  bool dry_run = false;                     // --dry-run
  bool graph = false;                       // --graph: the target graph as DOT
  std::optional<std::string> since;         // --since REF: packages changed since REF
  std::vector<std::string> to;              // --to pkg: it and its dependencies
  std::vector<std::string> scope;           // --scope / --from pkg: it and its dependents
  std::optional<std::string> summary_file;  // --summary FILE

  // The words after "--" joined with spaces, as backfill does; run by /bin/sh -c.
  std::string command() const;
};

// Parses argv; an unknown option or a missing value is an error naming it.
std::expected<Arguments, std::string> parse_arguments(int argc, const char* const* argv);

}  // namespace memo::cli
