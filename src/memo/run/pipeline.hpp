#pragma once

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
  std::vector<std::string> env;                     // added to the package's env
  bool cache = true;                                // false: the script just runs
};

struct Pipeline {
  std::map<std::string, TaskSpec> tasks;
  std::filesystem::path file;  // where it was read, for messages
};

// The pipeline of the repo at `repo_root`: memo.json's "tasks", else turbo.json's "tasks" (or
// its older "pipeline"). A malformed file, or none that declares tasks, is an error naming
// the file and the fix.
std::expected<Pipeline, std::string> load_pipeline(const std::filesystem::path& repo_root);

// Reads a pipeline from JSON text (`file` names it in errors); `key` is "tasks" or "pipeline".
std::expected<Pipeline, std::string> parse_pipeline(const std::string& text,
                                                    const std::filesystem::path& file);

}  // namespace memo::run
