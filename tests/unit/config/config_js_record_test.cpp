#include "memo/config/config_js_record.hpp"

#include <string>

#include <gtest/gtest.h>

namespace memo::config {
namespace {

TEST(ConfigJsRecord, NestingIsCountedWithoutParsing) {
  EXPECT_FALSE(nested_deeper_than("{\"a\":[1,[2]]}", 3));
  EXPECT_TRUE(nested_deeper_than("{\"a\":[1,[2]]}", 2));
  EXPECT_FALSE(nested_deeper_than("[\"[[[[\\\"[[[[\"]", 1)) << "brackets in strings do not count";
  EXPECT_FALSE(nested_deeper_than("[[]][[]][[]]", 2)) << "siblings are not deeper";
  std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  EXPECT_TRUE(nested_deeper_than(deep, 64));
}

}  // namespace
}  // namespace memo::config
