#include "memo/store/transfer_progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "memo/util/environment.hpp"
#include "memo/util/log.hpp"

namespace memo::store {

namespace {

constexpr std::uint64_t kShownFrom = 4u << 20;
constexpr auto kRedrawEvery = std::chrono::milliseconds(200);

bool on_a_terminal() {
  if (util::env_value("CI")) return false;
  return ::isatty(STDERR_FILENO) == 1 && util::Log::level() >= util::LogLevel::Info;
}

std::string megabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

TransferProgress::TransferProgress(std::string what, std::optional<std::uint64_t> total)
    : what_(std::move(what)), total_(total), enabled_(on_a_terminal()) {}

TransferProgress::~TransferProgress() {
  // "\r", then erase the line: the next line memo prints starts clean.
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void TransferProgress::update(std::uint64_t done) {
  if (!enabled_ || done < kShownFrom) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < kRedrawEvery) return;
  last_ = now;
  drawn_ = true;
  std::string line = "\rmemo: " + what_ + "  " + megabytes(done) +
                     (total_ ? " / " + megabytes(*total_) : "") + " MB\033[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace memo::store
