#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <string>

namespace memo::config {

namespace fs = std::filesystem;

// Evaluates a backfill.config.js with the machine's node and returns its exports as JSON.
// Results are cached in `cache_dir`, keyed by the file's path and content and checked against
// what the evaluation read (other modules it required, the env vars it looked at, the working
// directory if it asked for it), so node starts only when one of those changed.
// Errors are one line naming the file.
std::expected<nlohmann::json, std::string> evaluate_config_js(const fs::path& file,
                                                              const fs::path& working_directory,
                                                              const fs::path& cache_dir);

}  // namespace memo::config
