#include "memo/run/target_output.hpp"

#include <unistd.h>

#include "memo/util/files.hpp"

namespace memo::run {

namespace {

std::size_t slot(exec::OutputStream stream) {
  return stream == exec::OutputStream::Stdout ? 0 : 1;
}

}  // namespace

void OutputPrinter::TargetOutput::chunk(exec::OutputStream stream, std::string_view bytes) {
  std::string& partial = partial_[slot(stream)];
  for (std::size_t newline; (newline = bytes.find('\n')) != std::string_view::npos;) {
    partial.append(bytes.substr(0, newline + 1));
    emit(stream, partial);
    partial.clear();
    bytes.remove_prefix(newline + 1);
  }
  partial.append(bytes);
}

void OutputPrinter::TargetOutput::write_line(std::string_view line) {
  emit(exec::OutputStream::Stderr, line);
}

void OutputPrinter::TargetOutput::finish() {
  if (finished_) return;
  finished_ = true;
  for (auto stream : {exec::OutputStream::Stdout, exec::OutputStream::Stderr}) {
    std::string& partial = partial_[slot(stream)];
    if (!partial.empty()) emit(stream, partial + "\n");
    partial.clear();
  }
  if (held_.empty()) return;
  std::lock_guard lock(printer_.mutex_);
  for (const auto& [stream, text] : held_) printer_.write(stream, text);
  held_.clear();
}

void OutputPrinter::TargetOutput::emit(exec::OutputStream stream, std::string_view line) {
  std::string text = prefix_;
  text += line;
  if (printer_.grouped_) {
    // Consecutive lines of one stream go out in one write.
    if (!held_.empty() && held_.back().first == stream) {
      held_.back().second += text;
    } else {
      held_.emplace_back(stream, std::move(text));
    }
    return;
  }
  std::lock_guard lock(printer_.mutex_);
  printer_.write(stream, text);
}

void OutputPrinter::write(exec::OutputStream stream, std::string_view text) {
  erase_status();
  const bool to_stdout = stream == exec::OutputStream::Stdout;
  bool& open = to_stdout ? out_open_ : err_open_;
  if (open) open = util::write_all(to_stdout ? STDOUT_FILENO : STDERR_FILENO, text);
  draw_status();
}

void OutputPrinter::set_status(std::string status) {
  if (!status_line_) return;
  std::lock_guard lock(mutex_);
  erase_status();
  status_ = std::move(status);
  draw_status();
}

void OutputPrinter::clear_status() {
  if (!status_line_) return;
  std::lock_guard lock(mutex_);
  erase_status();
  status_.clear();
}

void OutputPrinter::erase_status() {
  if (!status_shown_ || !err_open_) return;
  err_open_ = util::write_all(STDERR_FILENO, "\r\x1b[K");  // to the line's start, then clear it
  status_shown_ = false;
}

void OutputPrinter::draw_status() {
  if (!status_line_ || status_.empty() || !err_open_) return;
  err_open_ = util::write_all(STDERR_FILENO, status_);
  status_shown_ = true;
}

}  // namespace memo::run
