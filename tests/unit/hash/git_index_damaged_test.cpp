// Damaged git indexes found by the git index fuzzer (tests/fuzz/git_index_fuzz.cpp).
#include <string>

#include <gtest/gtest.h>

#include "memo/hash/git_index.hpp"

namespace memo::hash {
namespace {

// A header claiming 4 billion entries made the reader reserve room for all of them (over
// 300 GB) before reading one: std::bad_alloc, and memo died. Now it is just no index.
TEST(GitIndexDamaged, AnEntryCountTheBytesCannotHoldIsNoIndex) {
  std::string bytes("DIRC\0\0\0\2\xff\xff\xff\xff", 12);
  bytes += std::string(20, '\0');  // index.skipHash: no checksum to match
  struct timespec mtime {
    1700000000, 0
  };
  EXPECT_FALSE(GitIndex::parse(bytes, mtime).has_value());
}

}  // namespace
}  // namespace memo::hash
