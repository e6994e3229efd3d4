#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/util/log.hpp"

namespace memo::config {

namespace fs = std::filesystem;

// backfill's modes: READ_WRITE fetches, runs on a miss and stores; READ_ONLY never stores;
// WRITE_ONLY never fetches; PASS only runs the command.
enum class Mode { ReadWrite, ReadOnly, WriteOnly, Pass };

std::optional<Mode> parse_mode(std::string_view text);
std::string_view mode_name(Mode mode);

// How a hit puts the stored files in the package: "copy" (the default), "clone" (reflinks where
// the file system has them) or "hardlink" (read-only links to the store's files).
enum class RestoreMode { Copy, Clone, Hardlink };

std::optional<RestoreMode> parse_restore_mode(std::string_view text);
std::string_view restore_mode_name(RestoreMode mode);

// Where an effective value came from, for `memo config` and for errors that name the culprit.
struct Origin {
  enum class Kind { Default, File, DotEnv, Environment, Flag };
  Kind kind = Kind::Default;
  std::string file;  // the config file or .env, when the value came from one
  std::string name;  // the variable or flag, when the value came from one

  // "default", "/repo/memo.json", "/repo/.env MEMO_MODE", "env MEMO_MODE", "flag --mode".
  std::string describe() const;
  // How an error names the culprit: "/repo/memo.json: \"mode\"", "MEMO_MODE", "--mode".
  std::string culprit(std::string_view key) const;
};

// Declared inputs (memo.json "inputs", the Microlambda model): globs relative to the package,
// applied to every workspace dependency, and relative to the repo root. A scope that is
// declared replaces the default for that scope.
struct DeclaredInputs {
  std::optional<std::vector<std::string>> package;
  std::optional<std::vector<std::string>> deps;
  std::optional<std::vector<std::string>> root;
};

// The effective configuration of one memo run, with every value resolved and validated.
struct Config {
  fs::path package_root;  // absolute
  fs::path repo_root;     // absolute; the package root when no repo is found
  std::string provider = "local";
  nlohmann::json provider_options = nlohmann::json::object();
  std::string cache_key;
  bool clear_output = false;
  std::vector<std::string> env;               // names of env vars whose values enter the key
  std::vector<std::string> environment_glob;  // repo-root files that enter every key
  std::vector<std::string> hash_globs;        // empty: every file of the package
  fs::path internal_cache_folder;             // absolute
  fs::path log_folder;                        // absolute
  util::LogLevel log_level = util::LogLevel::Info;
  Mode mode = Mode::ReadWrite;
  RestoreMode restore_mode = RestoreMode::Copy;
  std::string name;
  std::vector<std::string> output_glob{"lib/**"};
  bool produce_performance_logs = false;
  std::string performance_report_name;
  bool validate_output = false;
  // The root package.json's own external dependencies (build tools: typescript, swc, …) enter
  // every package's key, as turbo hashes them into its global hash.
  bool include_root_dependencies = true;
  bool incremental_caching = false;             // backfill's; accepted and ignored
  std::optional<std::uint64_t> max_cache_size;  // bytes; the store is trimmed past it
  DeclaredInputs inputs;

  // The remote cache (provider azure-blob, s3, npm or http): written only when CI says so;
  // skipLocalCache reads and fills the remote alone; skipRemoteCache keeps one package's
  // entries off the remote.
  bool write_remote_cache = false;
  bool skip_local_cache = false;
  bool skip_remote_cache = false;
  std::uint64_t remote_connect_timeout_ms = 1500;
  std::uint64_t remote_stall_timeout_s = 15;
  std::uint64_t remote_upload_timeout_s = 60;

  // Every setting's effective value as JSON (secrets redacted) and its origin, by config key.
  std::map<std::string, nlohmann::json> shown;
  std::map<std::string, Origin> origins;
};

// Replaces the values of secret-looking option keys (connection strings, keys, tokens,
// passwords, SAS) with "<redacted>", and the secret parts of every string value (see
// redact_secret_parts), recursively, so no log or printout carries them. Values nest at most
// util::kMaxJsonDepth deep (the parsers refuse deeper), so the recursion is bounded.
nlohmann::json redact_secrets(const nlohmann::json& options);

// `text` with the secrets it carries itself replaced by "<redacted>": a password in a URL
// ("https://user:<redacted>@host"), secret query parameters ("?sv=2022&sig=<redacted>") and
// the secret parts of a connection string ("AccountName=a;AccountKey=<redacted>;").
std::string redact_secret_parts(std::string_view text);

}  // namespace memo::config
