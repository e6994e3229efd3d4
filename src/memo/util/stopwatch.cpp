#include "memo/util/stopwatch.hpp"

namespace memo::util {

Stopwatch& process_stopwatch() {
  static Stopwatch since_main;
  return since_main;
}

}  // namespace memo::util
