#include "memo/run/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace memo::run {
namespace {

// n targets; `edges` pairs (target, dependency).
TargetGraph graph_of(std::size_t n, std::vector<std::pair<std::size_t, std::size_t>> edges) {
  TargetGraph graph;
  graph.targets.resize(n);
  for (auto [target, dependency] : edges) graph.targets[target].dependencies.push_back(dependency);
  return graph;
}

TEST(SchedulerTest, ATargetStartsOnlyOnceItsDependenciesSucceeded) {
  auto graph = graph_of(4, {{1, 0}, {2, 0}, {3, 1}, {3, 2}});
  std::mutex mutex;
  std::vector<std::size_t> finished;
  std::vector<bool> done(4, false);
  bool ordered = true;
  auto states = run_targets(
      graph, {.concurrency = 3},
      [&](std::size_t i, const auto&) {
        std::lock_guard lock(mutex);
        for (std::size_t dependency : graph.targets[i].dependencies) ordered &= done[dependency];
        done[i] = true;
        return true;
      },
      [] { return false; });
  EXPECT_TRUE(ordered);
  EXPECT_EQ(states, std::vector<TargetState>(4, TargetState::Succeeded));
}

TEST(SchedulerTest, IndependentTargetsRunAtOnceUpToTheConcurrency) {
  auto graph = graph_of(4, {});
  std::atomic<int> running{0}, most{0};
  run_targets(
      graph, {.concurrency = 2},
      [&](std::size_t, const auto&) {
        int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        --running;
        return true;
      },
      [] { return false; });
  EXPECT_EQ(most.load(), 2);
}

TEST(SchedulerTest, AFailureStopsNewWorkAndContinueRunsWhatDoesNotDependOnIt) {
  // 0 fails; 1 depends on 0; 2 and 3 stand alone.
  auto graph = graph_of(4, {{1, 0}});
  auto fail_first = [](std::size_t i, const auto&) { return i != 0; };
  auto stopped = run_targets(graph, {.concurrency = 1}, fail_first, [] { return false; });
  EXPECT_EQ(stopped[0], TargetState::Failed);
  EXPECT_EQ(stopped[1], TargetState::Blocked);
  EXPECT_EQ(stopped[2], TargetState::NotRun);
  auto continued =
      run_targets(graph, {.concurrency = 1, .keep_going = true}, fail_first, [] { return false; });
  EXPECT_EQ(continued, (std::vector<TargetState>{TargetState::Failed, TargetState::Blocked,
                                                 TargetState::Succeeded, TargetState::Succeeded}));
}

TEST(SchedulerTest, AStopRequestStartsNothingMore) {
  auto graph = graph_of(3, {{1, 0}, {2, 1}});
  bool stop = false;
  auto states = run_targets(
      graph, {.concurrency = 1},
      [&](std::size_t, const auto&) {
        stop = true;
        return true;
      },
      [&] { return stop; });
  EXPECT_EQ(states, (std::vector<TargetState>{TargetState::Succeeded, TargetState::NotRun,
                                              TargetState::NotRun}));
}

// What memo run does with a miss: its dependents start once its command is done, while it
// stores the outputs.
TEST(SchedulerTest, AReleasedTargetsDependentsRunWhileItFinishes) {
  auto graph = graph_of(3, {{1, 0}, {2, 1}});
  std::mutex mutex;
  std::condition_variable changed;
  bool dependents_done = false;
  auto states = run_targets(
      graph, {.concurrency = 2},
      [&](std::size_t i, const std::function<void()>& release) {
        if (i != 0) {
          if (i == 2) {
            std::lock_guard lock(mutex);
            dependents_done = true;
            changed.notify_all();
          }
          return true;
        }
        release();
        release();  // once is enough; again changes nothing
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(10), [&] { return dependents_done; });
      },
      [] { return false; });
  EXPECT_TRUE(dependents_done);
  EXPECT_EQ(states, std::vector<TargetState>(3, TargetState::Succeeded));
}

TEST(SchedulerTest, AReleasedTargetThatFailsStillStopsNewWork) {
  auto graph = graph_of(3, {{1, 0}});
  auto states = run_targets(
      graph, {.concurrency = 1},
      [](std::size_t i, const std::function<void()>& release) {
        if (i == 0) release();
        return i != 0;
      },
      [] { return false; });
  EXPECT_EQ(states[0], TargetState::Failed);
  EXPECT_EQ(states[1], TargetState::NotRun) << "no new work after a failure";
}

}  // namespace
}  // namespace memo::run
