#pragma once

#include <string>

#include <gtest/gtest.h>

namespace memo::testing {

// Succeeds when `text` contains `part`, printing both otherwise: EXPECT_TRUE(Contains(a, b)).
inline ::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

}  // namespace memo::testing
