#include "memo/run/scheduler.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace memo::run {

namespace {

class Scheduler {
 public:
  Scheduler(const TargetGraph& graph, const ScheduleOptions& options, const TargetRun& run,
            const std::function<bool()>& stop)
      : graph_(graph),
        options_(options),
        run_(run),
        stop_(stop),
        states_(graph.targets.size(), TargetState::NotRun),
        waiting_on_(graph.targets.size()),
        dependents_(graph.targets.size()) {
    for (std::size_t i = 0; i < graph.targets.size(); ++i) {
      waiting_on_[i] = graph.targets[i].dependencies.size();
      for (std::size_t dependency : graph.targets[i].dependencies)
        dependents_[dependency].push_back(i);
      if (waiting_on_[i] == 0) ready_.push_back(i);
    }
  }

  std::vector<TargetState> run() {
    const std::size_t workers =
        std::max<std::size_t>(1, std::min(options_.concurrency, graph_.targets.size()));
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    threads.clear();  // joined
    return states_;
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return !ready_.empty() || running_ == 0 || stopping_; });
      if (stopping_ || ready_.empty()) {
        // Nothing left that can start: every worker ends once none is running.
        if (running_ == 0 || stopping_) {
          changed_.notify_all();
          return;
        }
        continue;
      }
      if (stop_()) {
        stopping_ = true;
        changed_.notify_all();
        return;
      }
      const std::size_t target = ready_.front();
      ready_.pop_front();
      ++running_;
      lock.unlock();
      bool released = false;  // guarded by mutex_
      const std::function<void()> release = [&, target] {
        std::lock_guard relock(mutex_);
        if (std::exchange(released, true)) return;
        release_dependents(target);
        changed_.notify_all();
      };
      const bool succeeded = run_(target, release);
      lock.lock();
      --running_;
      finished(target, succeeded, released);
      changed_.notify_all();
    }
  }

  void finished(std::size_t target, bool succeeded, bool released) {
    states_[target] = succeeded ? TargetState::Succeeded : TargetState::Failed;
    if (!succeeded && !options_.keep_going) stopping_ = true;
    if (released) return;  // its dependents went on already
    if (succeeded) {
      release_dependents(target);
    } else {
      block_dependents(target);
    }
  }

  void release_dependents(std::size_t target) {
    for (std::size_t dependent : dependents_[target]) {
      if (--waiting_on_[dependent] == 0 && states_[dependent] == TargetState::NotRun) {
        ready_.push_back(dependent);
      }
    }
  }

  void block_dependents(std::size_t target) {
    for (std::size_t dependent : dependents_[target]) {
      if (states_[dependent] != TargetState::NotRun) continue;
      states_[dependent] = TargetState::Blocked;
      block_dependents(dependent);
    }
  }

  const TargetGraph& graph_;
  const ScheduleOptions& options_;
  const TargetRun& run_;
  const std::function<bool()>& stop_;
  std::vector<TargetState> states_;
  std::vector<std::size_t> waiting_on_;
  std::vector<std::vector<std::size_t>> dependents_;
  std::deque<std::size_t> ready_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace

std::vector<TargetState> run_targets(const TargetGraph& graph, const ScheduleOptions& options,
                                     const TargetRun& run, const std::function<bool()>& stop) {
  if (graph.targets.empty()) return {};
  return Scheduler(graph, options, run, stop).run();
}

}  // namespace memo::run
