#include "memo/util/log.hpp"

#include <unistd.h>

#include <atomic>

#include "memo/util/printable.hpp"

namespace memo::util {

namespace {

std::atomic<LogLevel> current_level{LogLevel::Info};
thread_local LogSink* current_sink = nullptr;  // nullptr: stderr

void emit(LogLevel level, std::string_view tag, std::string_view message) {
  if (!Log::enabled(level)) return;
  std::string line = "memo: ";
  line += tag;
  line += printable(message);  // one line, whatever names it holds
  line += '\n';
  if (current_sink != nullptr) {
    current_sink->write_line(line);
    return;
  }
  // One write per line, so lines from parallel memo processes do not interleave mid-line.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace

ScopedLogSink::ScopedLogSink(LogSink* sink) : previous_(current_sink) {
  current_sink = sink;
}
ScopedLogSink::~ScopedLogSink() {
  current_sink = previous_;
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "mute") return LogLevel::Mute;
  if (text == "error") return LogLevel::Error;
  if (text == "warn") return LogLevel::Warn;
  if (text == "info") return LogLevel::Info;
  if (text == "verbose") return LogLevel::Verbose;
  if (text == "silly") return LogLevel::Silly;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Mute:
      return "mute";
    case LogLevel::Error:
      return "error";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Info:
      return "info";
    case LogLevel::Verbose:
      return "verbose";
    case LogLevel::Silly:
      return "silly";
  }
  return "info";
}

void Log::set_level(LogLevel level) {
  current_level = level;
}
LogLevel Log::level() {
  return current_level;
}
bool Log::enabled(LogLevel level) {
  return level != LogLevel::Mute &&
         static_cast<int>(level) <= static_cast<int>(current_level.load());
}

void Log::error(std::string_view message) {
  emit(LogLevel::Error, "error: ", message);
}
void Log::warn(std::string_view message) {
  emit(LogLevel::Warn, "warning: ", message);
}
void Log::info(std::string_view message) {
  emit(LogLevel::Info, "", message);
}
void Log::verbose(std::string_view message) {
  emit(LogLevel::Verbose, "", message);
}
void Log::silly(std::string_view message) {
  emit(LogLevel::Silly, "", message);
}

}  // namespace memo::util
