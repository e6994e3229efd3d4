#include "memo/config/env_placeholders.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memo::config {
namespace {

const std::vector<EnvValue> kValues{
    {"ONE", "1"},
    {"ELEVEN", "11"},
    {"INNER", "a1b"},
    {"BRACES", "{ONE}"},
    {"CONTROL", "\x01"},
    {"HIDDEN_LOOKING", "\x01{ONE}"},
    {"SECRET", "s3cr3t-sentinel"},
    {"SAME", "s3cr3t-sentinel"},
};

EnvValueOf value_of(const std::vector<EnvValue>& values) {
  return [&values](const std::string& name) -> std::optional<std::string> {
    for (const auto& variable : values) {
      if (variable.name == name) return variable.value;
    }
    return std::nullopt;
  };
}

TEST(EnvPlaceholders, AnyTextComesBackExactly) {
  const std::vector<std::string> texts{"",
                                       "1",
                                       "111",
                                       "a11b1",
                                       "x1y",
                                       "{ONE}",
                                       "\x01",
                                       "\x01\x01",
                                       "\x01{ONE}",
                                       "\x01{ONE",
                                       "}\x01{",
                                       "1\x01{ONE}1",
                                       "pre-s3cr3t-sentinel-s3cr3t-sentinel-post",
                                       "a1b11{ONE}\x01",
                                       std::string("nul\0inside", 10)};
  for (const auto& text : texts) {
    std::string hidden = hide_env_values(text, kValues);
    auto restored = restore_env_values(hidden, value_of(kValues));
    ASSERT_TRUE(restored.has_value()) << "hidden: " << hidden;
    EXPECT_EQ(*restored, text);
  }
}

TEST(EnvPlaceholders, ValuesBecomePlaceholdersNamingTheirVariable) {
  EXPECT_EQ(hide_env_values("key=s3cr3t-sentinel;", kValues), "key=\x01{SECRET};");
  EXPECT_EQ(hide_env_values("111", kValues), "\x01{ELEVEN}\x01{ONE}") << "the longest first";
  EXPECT_EQ(hide_env_values("a1b", kValues), "\x01{INNER}");
  EXPECT_EQ(hide_env_values("\x01", {}), "\x01\x01");
  EXPECT_EQ(hide_env_values("plain", kValues), "plain");
}

TEST(EnvPlaceholders, ALongValueNeverStaysInClear) {
  std::string hidden = hide_env_values("a s3cr3t-sentinels3cr3t-sentinel b", kValues);
  EXPECT_EQ(hidden.find("s3cr3t-sentinel"), std::string::npos) << hidden;
}

TEST(EnvPlaceholders, MalformedOrUnknownPlaceholdersAreRefused) {
  for (const std::string hidden : {"\x01", "\x01x", "\x01{ONE", "a\x01{NOPE}b", "\x01}"}) {
    EXPECT_FALSE(restore_env_values(hidden, value_of(kValues)).has_value()) << hidden;
  }
}

TEST(EnvPlaceholders, OnlySafeNamesAndNonEmptyValuesCanBeHidden) {
  EXPECT_TRUE(can_hide({"NAME", "v"}));
  EXPECT_FALSE(can_hide({"NAME", ""}));
  EXPECT_FALSE(can_hide({"", "v"}));
  EXPECT_FALSE(can_hide({"A}B", "v"}));
  EXPECT_FALSE(can_hide({"A\x01", "v"}));
}

}  // namespace
}  // namespace memo::config
