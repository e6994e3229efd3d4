#pragma once

#include <string>

#include "memo/config/config.hpp"
#include "memo/step/key_inputs.hpp"
#include "memo/store/cache.hpp"

namespace memo::cli {

// memo explain: compares today's manifest for this package and command with the one stored
// with the newest entry, and says in plain words what was added, removed or changed. Prints
// JSON for tools with `as_json`. With a remote cache, it also says whether the remote holds
// today's key. Returns the exit code.
int explain(const config::Config& config, const std::string& command, const step::KeyInputs& inputs,
            store::Cache& cache, bool as_json);

}  // namespace memo::cli
