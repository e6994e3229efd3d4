#include "memo/util/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "memo/util/parallel.hpp"

namespace memo::util {
namespace {

TEST(ThreadPool, RunsEveryItemOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> runs(10'000);
  pool.run(runs.size(), [&](std::size_t i) { ++runs[i]; });
  for (std::size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << i;
}

TEST(ThreadPool, AnEmptyLoopReturnsAtOnce) {
  ThreadPool pool(2);
  bool called = false;
  pool.run(0, [&](std::size_t) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ThreadPool, WithoutWorkersTheCallerDoesEverything) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.threads(), 1u);
  std::set<std::thread::id> threads;
  pool.run(100, [&](std::size_t) { threads.insert(std::this_thread::get_id()); });
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

// The shape that ran on one thread before: an outer loop of one quick item and one item with
// an inner loop. The thread done with the quick item helps with the inner loop.
TEST(ThreadPool, ANestedLoopSpreadsOverTheThreadsLeftIdle) {
  ThreadPool pool(1);
  std::mutex mutex;
  std::set<std::thread::id> inner_threads;
  pool.run(2, [&](std::size_t outer) {
    if (outer == 0) return;
    pool.run(200, [&](std::size_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::lock_guard lock(mutex);
      inner_threads.insert(std::this_thread::get_id());
    });
  });
  EXPECT_EQ(inner_threads.size(), 2u);
}

TEST(ThreadPool, DeeplyNestedLoopsFinish) {
  ThreadPool pool(2);
  std::atomic<int> leaves{0};
  pool.run(4, [&](std::size_t) {
    pool.run(4, [&](std::size_t) {
      pool.run(4, [&](std::size_t) { pool.run(4, [&](std::size_t) { ++leaves; }); });
    });
  });
  EXPECT_EQ(leaves.load(), 4 * 4 * 4 * 4);
}

TEST(ThreadPool, LoopsFromSeveralThreadsAtOnceAllFinish) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        pool.run(30, [&](std::size_t) { ++total; });
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(total.load(), 4 * 50 * 30);
}

TEST(ParallelFor, GivesEveryIndexOnceWhateverTheCount) {
  for (std::size_t count : {0u, 1u, 31u, 32u, 33u, 5000u}) {
    std::vector<std::atomic<int>> runs(count);
    parallel_for(count, [&](std::size_t i) { ++runs[i]; });
    for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(runs[i].load(), 1) << count << " " << i;
  }
}

}  // namespace
}  // namespace memo::util
