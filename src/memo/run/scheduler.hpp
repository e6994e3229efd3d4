#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "memo/run/target_graph.hpp"

namespace memo::run {

enum class TargetState {
  NotRun,  // never started: a failure or an interruption stopped new work first
  Succeeded,
  Failed,
  Blocked,  // a target it depends on failed (with --continue)
};

struct ScheduleOptions {
  std::size_t concurrency = 1;
  bool keep_going = false;  // --continue: run whatever does not depend on a failure
};

// Runs one target, says whether it succeeded. It may call `release()` once what its dependents
// need is done (its command succeeded, its outputs are in place): they may start then, on
// other threads, while it finishes its own work (storing the outputs). A released target counts
// as succeeded for its dependents whatever it returns.
using TargetRun = std::function<bool(std::size_t target, const std::function<void()>& release)>;

// Runs `run(i)` for every target of `graph` on `concurrency` threads, each as soon as every
// target it depends on succeeded (or was released). The first failure stops new work (those
// running finish) unless `keep_going`; `stop()`, checked before each start, stops new work too
// (an interruption). Returns each target's state.
std::vector<TargetState> run_targets(const TargetGraph& graph, const ScheduleOptions& options,
                                     const TargetRun& run, const std::function<bool()>& stop);

}  // namespace memo::run
