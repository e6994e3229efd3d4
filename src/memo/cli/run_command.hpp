#pragma once

#include <filesystem>

#include "memo/cli/arguments.hpp"

namespace memo::cli {

// memo run <task…>: every selected package's script for each task, in dependency order, on
// --concurrency workers, each through the cache as `memo --` runs a command. Returns the exit
// code: 0 when every target succeeded (or hit), the first failure's code otherwise, 2 for a
// mistake found before anything ran.
int run_tasks(const Arguments& args, const std::filesystem::path& working_directory);

}  // namespace memo::cli
