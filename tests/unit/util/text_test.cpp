// The small text helpers: escaping for messages, bounded JSON, sizes and durations, staging names.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "memo/util/json.hpp"
#include "memo/util/printable.hpp"
#include "memo/util/staging_name.hpp"
#include "memo/util/units.hpp"

namespace memo::util {
namespace {

TEST(Printable, ControlCharactersAreEscapedAndTheRestKept) {
  EXPECT_EQ(printable("lib/a.js"), "lib/a.js");
  EXPECT_EQ(printable("a\nb\tc\rd\x1b[2K\x7f"), "a\\nb\\tc\\rd\\x1b[2K\\x7f");
  EXPECT_EQ(printable(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9") << "UTF-8 stays";
}

TEST(Json, NestingDeeperThanTheLimitIsRefused) {
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": "[[[["}]})"), 3u) << "strings do not count";
  EXPECT_EQ(json_nesting_depth(R"("\"[[")"), 0u);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto parsed = parse_json(deep);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "nested deeper than 64 levels");
  const std::string fine = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(parse_json(fine));
  auto bad = parse_json("{\"a\": }");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().starts_with("not valid JSON (at line 1, column 7")) << bad.error();
}

// Found by the config fuzzer: nlohmann reports a number too big for a double as out_of_range,
// which parse_json let through to terminate memo.
TEST(Json, NumbersTooBigAreNotValidJsonRatherThanAnException) {
  for (const char* text : {"1e999", "[1, -1e999]", "{\"maxSize\": 999e1554}"}) {
    auto parsed = parse_json(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_TRUE(parsed.error().starts_with("not valid JSON")) << parsed.error();
  }
}

// Text from an environment variable or a .env file may hold any bytes: json_text prints them
// where dump() would throw.
TEST(Json, TextThatIsNotUtf8PrintsWithoutThrowing) {
  const nlohmann::json value = std::string("caf\xe9 \xff");
  EXPECT_THROW((void)value.dump(), nlohmann::json::exception);
  EXPECT_EQ(json_text(value), "\"caf\xef\xbf\xbd \xef\xbf\xbd\"");
  EXPECT_EQ(json_text(nlohmann::json{{"a", 1}}, 2), "{\n  \"a\": 1\n}");
}

TEST(Units, SizesInBothFamilies) {
  EXPECT_EQ(parse_size("5GB"), 5000000000u);
  EXPECT_EQ(parse_size("500mb"), 500000000u);
  EXPECT_EQ(parse_size("1.5G"), 1500000000u);
  EXPECT_EQ(parse_size("2KiB"), 2048u);
  EXPECT_EQ(parse_size("1000"), 1000u);
  for (const char* bad : {"", "GB", "-1GB", "5 GB", "5XB", "nan", "1e30GB"}) {
    EXPECT_FALSE(parse_size(bad)) << bad;
  }
  EXPECT_EQ(format_size(812), "812 B");
  EXPECT_EQ(format_size(56200000), "56.2 MB");
}

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("14d"), std::chrono::seconds(14 * 86400));
  EXPECT_EQ(parse_duration("2w"), std::chrono::seconds(2 * 604800));
  EXPECT_EQ(parse_duration("24h"), std::chrono::seconds(86400));
  EXPECT_EQ(parse_duration("90s"), std::chrono::seconds(90));
  for (const char* bad : {"14", "d", "1y", "-1d", "1dd"}) EXPECT_FALSE(parse_duration(bad)) << bad;
  EXPECT_EQ(format_duration_ms(35), "35 ms");
  EXPECT_EQ(format_duration_ms(185000), "3m 05s");
}

TEST(StagingName, NamesCarryTheirOwnersPid) {
  const std::string name = staging_name_for("index.js");
  EXPECT_TRUE(name.starts_with(".memo-index.js."));
  EXPECT_EQ(staging_name_owner(name), ::getpid());
  EXPECT_FALSE(is_stale_staging_name(name)) << "this process is alive";
  EXPECT_EQ(staging_name_owner(".memo-a.b.c.42.7.tmp"), 42);
  for (const char* other : {"index.js", ".memo-x.tmp", ".memo-x.12.tmp", ".memo-x.a.1.tmp",
                            "memo-x.1.2.tmp", ".memo-x.1.2.tmpx", ".memo-.0.1.tmp"}) {
    EXPECT_FALSE(staging_name_owner(other)) << other;
  }
  long pid_max = 4194304;
  std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
  EXPECT_TRUE(is_stale_staging_name(".memo-x." + std::to_string(pid_max + 1) + ".0.tmp"));
}

}  // namespace
}  // namespace memo::util
