#include "memo/util/log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace memo::util {
namespace {

struct CollectingSink : LogSink {
  void write_line(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

TEST(LogSinkTest, AScopedSinkTakesThisThreadsLinesUntilItEnds) {
  CollectingSink outer, inner;
  {
    ScopedLogSink taking(&outer);
    Log::warn("first");
    {
      ScopedLogSink nested(&inner);
      Log::info("second");
    }
    Log::error("third");
  }
  EXPECT_EQ(outer.lines,
            (std::vector<std::string>{"memo: warning: first\n", "memo: error: third\n"}));
  EXPECT_EQ(inner.lines, (std::vector<std::string>{"memo: second\n"}));
}

TEST(LogSinkTest, AnotherThreadsLinesDoNotReachTheSink) {
  CollectingSink sink;
  ScopedLogSink taking(&sink);
  std::thread other([] {
    CollectingSink its_own;
    ScopedLogSink taking_there(&its_own);
    Log::info("elsewhere");
    EXPECT_EQ(its_own.lines.size(), 1u);
  });
  other.join();
  EXPECT_TRUE(sink.lines.empty());
}

TEST(LogSinkTest, TheLevelStillDecidesWhatIsSaid) {
  CollectingSink sink;
  ScopedLogSink taking(&sink);
  Log::verbose("not at info");
  EXPECT_TRUE(sink.lines.empty());
}

}  // namespace
}  // namespace memo::util
