#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "memo/exec/output_log.hpp"
#include "memo/util/log.hpp"

namespace memo::run {

// Where memo run's targets print: every line prefixed with its target ("app:build: "), the
// command's stdout on memo's stdout, its stderr and memo's own lines on memo's stderr. On a
// terminal the lines go out as they come; otherwise (CI logs) each target's lines are held
// and go out together when it ends, so they read as one block.
// With `status_line` (stderr is a terminal), the last line of the terminal is a status line
// that the printer rewrites as targets start and end; the lines above it scroll as usual.
class OutputPrinter {
 public:
  OutputPrinter(bool grouped, bool status_line) : grouped_(grouped), status_line_(status_line) {}

  // Replaces the status line (nothing without one).
  void set_status(std::string status);
  // Takes the status line away, for memo's last lines.
  void clear_status();

  // One target's lines: the sink for its command's output and for memo's lines about it.
  class TargetOutput : public util::LogSink {
   public:
    TargetOutput(OutputPrinter& printer, std::string prefix)
        : printer_(printer), prefix_(std::move(prefix)) {}
    ~TargetOutput() override { finish(); }
    TargetOutput(const TargetOutput&) = delete;
    TargetOutput& operator=(const TargetOutput&) = delete;

    void chunk(exec::OutputStream stream, std::string_view bytes);
    void write_line(std::string_view line) override;  // memo's own, on stderr
    // Ends a last line that had no line break, and prints what was held.
    void finish();

   private:
    void emit(exec::OutputStream stream, std::string_view line);
    OutputPrinter& printer_;
    std::string prefix_;
    std::string partial_[2];  // a line begun on stdout, on stderr
    std::vector<std::pair<exec::OutputStream, std::string>> held_;
    bool finished_ = false;
  };

 private:
  void write(exec::OutputStream stream, std::string_view text);
  void erase_status();  // with the mutex held
  void draw_status();   // with the mutex held
  bool grouped_;
  bool status_line_;
  std::string status_;
  bool status_shown_ = false;
  std::mutex mutex_;
  bool out_open_ = true, err_open_ = true;
};

}  // namespace memo::run
