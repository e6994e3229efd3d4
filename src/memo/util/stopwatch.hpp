#pragma once

#include <chrono>

namespace memo::util {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// A stopwatch started when main() begins (see main.cpp): memo's own time in a run.
Stopwatch& process_stopwatch();

}  // namespace memo::util
