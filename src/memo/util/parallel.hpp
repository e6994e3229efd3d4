#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace memo::util {

inline thread_local bool inside_parallel_for = false;

// Calls body(i) for every i in [0, count) on all cores. Items are handed out one at a time, so
// uneven work (a big file among small ones) still spreads well. A parallel_for inside another
// runs serially: the outer one already keeps every core busy. `body` must not throw.
template <typename Body>
void parallel_for(std::size_t count, Body&& body, std::size_t min_items_per_thread = 16) {
  static const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  std::size_t threads = std::min(cores, std::max<std::size_t>(1, count / min_items_per_thread));
  if (threads <= 1 || inside_parallel_for) {
    for (std::size_t i = 0; i < count; ++i) body(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    bool was_inside = inside_parallel_for;
    inside_parallel_for = true;
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) body(i);
    inside_parallel_for = was_inside;
  };
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // out of threads (a busy CI runner): the ones started, and this one, finish
    }
  }
  worker();
}

}  // namespace memo::util
