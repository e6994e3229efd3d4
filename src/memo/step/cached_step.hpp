#pragma once

#include <string>

#include "memo/config/config.hpp"
#include "memo/step/key_inputs.hpp"
#include "memo/store/cache.hpp"

namespace memo::step {

// Runs one build step through `cache` (the local store, then the remote), as the config's
// mode and provider say:
//   READ_WRITE  key -> fetch -> hit: restore | miss: run, store when it exits 0
//   READ_ONLY   key -> fetch -> hit: restore | miss: run, never store
//   WRITE_ONLY  key -> run, store when it exits 0 (never fetch)
//   PASS        run
// A hit whose outputs memo left in place for the same key and that are untouched does nothing;
// outputs that changed or went missing, and only those, are restored.
// Returns the command's exit code (0 on a hit). A cache problem is one warning and the command
// runs uncached; it never changes the build's result.
struct StepOptions {
  // Run the command whatever the cache holds (and store unless the mode forbids).
  bool force = false;
};

// Uploads of what the step stored are queued on the cache: the caller waits for them
// (Cache::finish_uploads) once the step's result is out.
int run_cached_step(const config::Config& config, const std::string& command,
                    const KeyInputs& inputs, store::Cache& cache, const StepOptions& options = {});

}  // namespace memo::step
