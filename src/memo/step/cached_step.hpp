#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/config/config.hpp"
#include "memo/exec/output_log.hpp"
#include "memo/step/key_inputs.hpp"
#include "memo/store/cache.hpp"
#include "memo/util/log.hpp"

namespace memo::step {

// Runs one build step through `cache` (the local store, then the remote), as the config's
// mode and provider say:
//   READ_WRITE  key -> fetch -> hit: restore | miss: run, store when it exits 0
//   READ_ONLY   key -> fetch -> hit: restore | miss: run, never store
//   WRITE_ONLY  key -> run, store when it exits 0 (never fetch)
//   PASS        run
// A hit whose outputs memo left in place for the same key and that are untouched does nothing;
// outputs that changed or went missing, and only those, are restored. The command's stdout and
// stderr are kept with what is stored, and a hit replays them.
// Returns what happened (StepOutcome). A cache problem is one warning and the command
// runs uncached; it never changes the build's result.
struct StepOptions {
  // Run the command whatever the cache holds (and store unless the mode forbids).
  bool force = false;
  // Where the step's own lines go (nullptr: stderr).
  util::LogSink* log = nullptr;
  // The command's environment, "NAME=value" each (nullptr: memo's own).
  const std::vector<std::string>* environment = nullptr;
  // Where the command's output goes as it comes, and a hit's replayed output (empty: memo's
  // stdout and stderr).
  exec::OutputChunk output;
  // The command's stdin is /dev/null instead of memo's (targets running side by side).
  bool no_stdin = false;
  // Shared by the keys of one process (memo run): see hash::HashingSession.
  hash::HashingSession* session = nullptr;
  // Called when the command has succeeded, before its outputs are stored: memo run starts the
  // target's dependents then, while this step stores (the outputs are in place already).
  std::function<void()> on_command_succeeded;
};

// What the cache did for a step.
enum class CacheResult {
  Uncached,   // PASS mode, or a cache problem (said in a warning): the command just ran
  Miss,       // the command ran (and its outputs were stored when it succeeded)
  Forced,     // --force: the command ran whatever the cache held
  HitLocal,   // restored from the local store
  HitRemote,  // downloaded from the remote, then restored
  HitIntact,  // the outputs memo left for this key were untouched: nothing to restore
};
std::string_view cache_result_name(CacheResult result);  // "miss", "hit-local", …
bool is_hit(CacheResult result);

// What happened, for the caller's summary.
struct StepOutcome {
  int exit_code = 0;  // the command's, 0 on a hit; 128 + N when signal N interrupted it
  CacheResult result = CacheResult::Uncached;
  std::string key;  // empty when there was none (PASS, or a key that could not be computed)
  std::size_t input_count = 0;  // files the key covers
  bool interrupted = false;
  double hash_ms = 0;
  double fetch_ms = 0;    // finding and restoring a hit, or finding nothing
  double command_ms = 0;  // the command's run; for a hit, what the stored run took
  double store_ms = 0;
};

// Uploads of what the step stored are queued on the cache: the caller waits for them
// (Cache::finish_uploads) once the step's result is out.
StepOutcome run_cached_step(const config::Config& config, const std::string& command,
                            const KeyInputs& inputs, store::Cache& cache,
                            const StepOptions& options = {});

}  // namespace memo::step
