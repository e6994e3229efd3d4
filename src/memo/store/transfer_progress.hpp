#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace memo::store {

// A progress line for a long transfer to or from the remote cache, on a terminal only:
// "memo: downloading 3f9a2c81e0d4  48 / 200 MB", redrawn at most every 200 ms once the
// transfer passes a few MB, and wiped when it ends. Nothing of it reaches a CI log (stderr is
// not a terminal there, or CI is set).
class TransferProgress {
 public:
  TransferProgress(std::string what, std::optional<std::uint64_t> total);
  ~TransferProgress();
  TransferProgress(const TransferProgress&) = delete;
  TransferProgress& operator=(const TransferProgress&) = delete;

  void set_total(std::optional<std::uint64_t> total) { total_ = total; }
  // `done` bytes moved so far.
  void update(std::uint64_t done);

 private:
  std::string what_;
  std::optional<std::uint64_t> total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace memo::store
