#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>

#include "memo/util/thread_pool.hpp"

namespace memo::util {

// Calls body(i) for every i in [0, count) on all cores (ThreadPool::shared()). Items are
// handed out one at a time, so uneven work (a big file among small ones) still spreads well;
// fewer than 2 * min_items_per_thread items run on the calling thread alone, where starting
// more would cost more than it saves. A parallel_for inside another shares the same cores:
// idle ones help with the inner items. `body` must not throw.
template <typename Body>
void parallel_for(std::size_t count, Body&& body, std::size_t min_items_per_thread = 16) {
  ThreadPool& pool = ThreadPool::shared();
  if (pool.threads() <= 1 || count / std::max<std::size_t>(1, min_items_per_thread) <= 1) {
    for (std::size_t i = 0; i < count; ++i) body(i);
    return;
  }
  const std::function<void(std::size_t)> each = [&body](std::size_t i) { body(i); };
  pool.run(count, each);
}

}  // namespace memo::util
