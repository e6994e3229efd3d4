#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace memo::util {

// Worker threads shared by every parallel loop of the process, nested ones included. run()
// offers its items to idle workers and works on them itself; once every item is taken, it
// helps with any other loop's items while it waits for its own to finish. So a loop inside a
// loop (a big package's files, inside the loop over packages) spreads over the cores that are
// free instead of running on one thread.
class ThreadPool {
 public:
  // The process's pool: a worker per core but one (the calling thread is the other), started
  // on first use and left running until the process exits.
  static ThreadPool& shared();

  explicit ThreadPool(std::size_t workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The threads that can work at once: the workers and the caller.
  std::size_t threads() const { return workers_.size() + 1; }

  // Calls body(i) for every i in [0, count), returning once all have returned. `body` must
  // not throw. While it waits, the caller may run other loops' items: it must not hold a lock
  // that those items take.
  void run(std::size_t count, const std::function<void(std::size_t)>& body);

 private:
  struct Loop {
    const std::function<void(std::size_t)>* body;
    std::size_t count;
    std::atomic<std::size_t> next{0};
    int helpers = 0;  // threads other than its caller working on it; under mutex_
  };

  // Runs items of `loop` until none is left to take.
  static void drain(Loop& loop);
  // A loop with items left to take, nullptr when there is none; under mutex_.
  Loop* loop_with_work();
  // Works on `loop` as a helper; takes and gives back `lock`.
  void help(Loop& loop, std::unique_lock<std::mutex>& lock);
  void work();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::list<Loop*> loops_;  // the loops whose items are not all taken yet
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace memo::util
