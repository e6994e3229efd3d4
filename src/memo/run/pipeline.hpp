#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace memo::run {

// One task of the pipeline, as memo.json's "tasks" (or turbo.json's) declares it.
struct TaskSpec {
  // "^build": build in every workspace dependency first; "build": this package's build;
  // "pkg#build": that package's build.
  std::vector<std::string> depends_on;
  std::optional<std::vector<std::string>> outputs;  // replaces the package's outputGlob
  std::optional<std::vector<std::string>> inputs;   // replaces the package's hashGlobs
  // Microlambda's src.deps and src.root: the dependencies' files, the repo root's files.
  std::optional<std::vector<std::string>> dependency_inputs;
  std::optional<std::vector<std::string>> root_inputs;
  std::vector<std::string> env;  // added to the package's env
  bool cache = true;             // false: the script just runs
  // What runs: the package.json script of that name (the task's own name by default), or a
  // command of its own (Microlambda's cmd).
  std::optional<std::string> script;
  std::optional<std::string> command;
};

struct Pipeline {
  std::map<std::string, TaskSpec> tasks;
  // Repo-root files every task's key covers (turbo's globalDependencies, lage's
  // cacheOptions.environmentGlob), added to each package's environmentGlob; and env vars
  // (turbo's globalEnv), added to each package's env.
  std::vector<std::string> environment_glob;
  std::vector<std::string> env;
  std::filesystem::path file;  // where it was read, for messages
};

// The pipeline of the repo at `repo_root`: memo.json's "tasks", else turbo.json's "tasks" (or
// its older "pipeline"), else lage.config.js's "pipeline" (evaluated with node; its
// cacheOptions.outputGlob is the outputs of the tasks that name none), else Microlambda's
// mila.json "targets" (run in topological order, as its runner's -t does). A malformed file,
// or none that declares tasks, is an error naming the file and the fix. `evaluations` is
// where node's results are kept (config_js.hpp).
std::expected<Pipeline, std::string> load_pipeline(const std::filesystem::path& repo_root,
                                                   const std::filesystem::path& evaluations);

// lage.config.js's exports (as JSON) as a pipeline.
std::expected<Pipeline, std::string> lage_pipeline(const nlohmann::json& exports,
                                                   const std::filesystem::path& file);
// mila.json's text as a pipeline.
std::expected<Pipeline, std::string> mila_pipeline(const std::string& text,
                                                   const std::filesystem::path& file);

// Reads a pipeline from JSON text (`file` names it in errors); `key` is "tasks" or "pipeline".
std::expected<Pipeline, std::string> parse_pipeline(const std::string& text,
                                                    const std::filesystem::path& file);

}  // namespace memo::run
