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

// Runs `run(i)` for every target of `graph` on `concurrency` threads, each as soon as every
// target it depends on succeeded; `run` says whether the target succeeded. The first failure
// stops new work (those running finish) unless `keep_going`; `stop()`, checked before each
// start, stops new work too (an interruption). Returns each target's state.
std::vector<TargetState> run_targets(const TargetGraph& graph, const ScheduleOptions& options,
                                     const std::function<bool(std::size_t)>& run,
                                     const std::function<bool()>& stop);

}  // namespace memo::run
