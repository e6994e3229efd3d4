#include "memo/util/thread_pool.hpp"

#include <algorithm>
#include <system_error>
#include <thread>

namespace memo::util {

ThreadPool& ThreadPool::shared() {
  // Never destroyed: a worker may still be waiting when static objects are torn down.
  static ThreadPool* pool = new ThreadPool(std::max(1u, std::thread::hardware_concurrency()) - 1);
  return *pool;
}

ThreadPool::ThreadPool(std::size_t workers) {
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    try {
      workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      break;  // out of threads (a busy CI runner): the ones started do the work
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(std::size_t count, const std::function<void(std::size_t)>& body) {
  Loop loop{&body, count};
  std::unique_lock lock(mutex_);
  auto listed = loops_.insert(loops_.end(), &loop);
  lock.unlock();
  changed_.notify_all();
  drain(loop);
  lock.lock();
  loops_.erase(listed);  // every item is taken: no helper joins any more
  // Items still running on helpers: meanwhile, work on other loops rather than sit idle.
  while (loop.helpers > 0) {
    if (Loop* other = loop_with_work()) {
      help(*other, lock);
    } else {
      changed_.wait(lock);
    }
  }
}

void ThreadPool::drain(Loop& loop) {
  for (std::size_t i = loop.next.fetch_add(1); i < loop.count; i = loop.next.fetch_add(1)) {
    (*loop.body)(i);
  }
}

ThreadPool::Loop* ThreadPool::loop_with_work() {
  for (Loop* loop : loops_) {
    if (loop->next.load() < loop->count) return loop;
  }
  return nullptr;
}

void ThreadPool::help(Loop& loop, std::unique_lock<std::mutex>& lock) {
  ++loop.helpers;
  lock.unlock();
  drain(loop);
  lock.lock();
  --loop.helpers;
  changed_.notify_all();  // its caller may be waiting for this
}

void ThreadPool::work() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (Loop* loop = loop_with_work()) {
      help(*loop, lock);
    } else {
      changed_.wait(lock);
    }
  }
}

}  // namespace memo::util
