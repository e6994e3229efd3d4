#pragma once

#include <string>

#include "memo/config/config.hpp"
#include "memo/step/key_inputs.hpp"

namespace memo::cli {

// memo explain: compares today's manifest for this package and command with the one stored
// with the newest entry, and says in plain words what was added, removed or changed. Prints
// JSON for tools with `as_json`. Returns the exit code.
int explain(const config::Config& config, const std::string& command, const step::KeyInputs& inputs,
            bool as_json);

}  // namespace memo::cli
