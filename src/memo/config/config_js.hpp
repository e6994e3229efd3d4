#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <string>

namespace memo::config {

namespace fs = std::filesystem;

// Evaluates a backfill.config.js with the machine's node and returns its exports as JSON (an
// exported promise is awaited). What the config prints goes to memo's stderr; node is stopped,
// with whatever it started, after MEMO_CONFIG_TIMEOUT seconds (30 by default).
// The result is kept in `cache_dir`, keyed by the file's path and content, with everything the
// evaluation looked at (variables, files, folders, how require found its modules, the working
// directory), so node starts again only when one of those changed; an evaluation that did
// something memo cannot check (spawned a process, read the clock...) is not kept. Errors are one
// line naming the file.
std::expected<nlohmann::json, std::string> evaluate_config_js(const fs::path& file,
                                                              const fs::path& working_directory,
                                                              const fs::path& cache_dir);

}  // namespace memo::config
