#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace memo::util {

// backfill's levels, plus mute. Each level shows itself and everything more severe.
enum class LogLevel { Mute, Error, Warn, Info, Verbose, Silly };

std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

// memo's own messages go to stderr, one line each, prefixed "memo:", so the command's stdout
// stays exactly the command's. Control characters in a message (from a hostile file name, say)
// are escaped, so a message is always exactly one line.
class Log {
 public:
  static void set_level(LogLevel level);
  static LogLevel level();
  static bool enabled(LogLevel level);

  static void error(std::string_view message);
  static void warn(std::string_view message);
  static void info(std::string_view message);
  static void verbose(std::string_view message);
  static void silly(std::string_view message);
};

}  // namespace memo::util
