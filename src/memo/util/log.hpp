#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace memo::util {

// backfill's levels, plus mute. Each level shows itself and everything more severe.
enum class LogLevel { Mute, Error, Warn, Info, Verbose, Silly };

std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

// Where memo's lines go instead of stderr: `memo run` gives each target's step one, so the
// step's lines join the target's output. Called from the thread that logs.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write_line(std::string_view line) = 0;  // ends with '\n'
};

// Sends the calling thread's lines to `sink` while it lives (then to the sink before it).
class ScopedLogSink {
 public:
  explicit ScopedLogSink(LogSink* sink);  // nullptr: stderr
  ~ScopedLogSink();
  ScopedLogSink(const ScopedLogSink&) = delete;
  ScopedLogSink& operator=(const ScopedLogSink&) = delete;

 private:
  LogSink* previous_;
};

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
