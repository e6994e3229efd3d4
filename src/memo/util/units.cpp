#include "memo/util/units.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include "memo/util/ascii.hpp"

namespace memo::util {

namespace {

// The number at the start of `text` and what follows it.
std::pair<std::optional<double>, std::string_view> leading_number(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() || !std::isfinite(value) || value < 0) {
    return {std::nullopt, text};
  }
  return {value, text.substr(static_cast<std::size_t>(end - text.data()))};
}

}  // namespace

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  const std::string expected =
      "expected a size such as 5GB, 500MB or 1GiB, got \"" + std::string(text) + "\"";
  auto [number, unit_text] = leading_number(text);
  if (!number) return std::unexpected(expected);
  const std::string unit = ascii_lowercase(unit_text);
  static const std::pair<const char*, double> kUnits[] = {{"", 1},
                                                          {"b", 1},
                                                          {"k", 1e3},
                                                          {"kb", 1e3},
                                                          {"m", 1e6},
                                                          {"mb", 1e6},
                                                          {"g", 1e9},
                                                          {"gb", 1e9},
                                                          {"t", 1e12},
                                                          {"tb", 1e12},
                                                          {"kib", 1024.0},
                                                          {"mib", 1048576.0},
                                                          {"gib", 1073741824.0},
                                                          {"tib", 1099511627776.0}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      double bytes = *number * factor;
      if (bytes >= 1.8e19) return std::unexpected(expected);
      return static_cast<std::uint64_t>(bytes);
    }
  }
  return std::unexpected(expected);
}

std::expected<std::chrono::seconds, std::string> parse_duration(std::string_view text) {
  const std::string expected =
      "expected a duration such as 14d, 2w, 24h, 30m or 90s, got \"" + std::string(text) + "\"";
  auto [number, unit] = leading_number(text);
  if (!number || unit.size() != 1) return std::unexpected(expected);
  static const std::pair<char, double> kUnits[] = {
      {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
  for (const auto& [name, factor] : kUnits) {
    if (unit[0] == name) {
      double seconds = *number * factor;
      if (seconds > 1e15) return std::unexpected(expected);
      return std::chrono::seconds(static_cast<std::int64_t>(seconds));
    }
  }
  return std::unexpected(expected);
}

std::string format_size(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string format_duration_ms(double ms) {
  char text[32];
  if (ms < 1000) {
    std::snprintf(text, sizeof text, "%.0f ms", ms);
  } else if (ms < 60000) {
    std::snprintf(text, sizeof text, "%.1f s", ms / 1000);
  } else if (ms < 3600000) {
    auto seconds = static_cast<long>(ms / 1000);
    std::snprintf(text, sizeof text, "%ldm %02lds", seconds / 60, seconds % 60);
  } else {
    auto minutes = static_cast<long>(ms / 60000);
    std::snprintf(text, sizeof text, "%ldh %02ldm", minutes / 60, minutes % 60);
  }
  return text;
}

}  // namespace memo::util
