#pragma once

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "memo/util/digest.hpp"
#include "memo/util/files.hpp"

namespace memo::store {

// A write that failed, with its errno (taken on the thread that wrote).
struct BlobWriteError {
  int error_number = 0;
  std::string message;
};

// Where an incoming blob's bytes go: its SHA-256, and its file when it has one (none when the
// blob is in the store already). A big blob's bytes are hashed and written on a thread of
// their own, a chunk at a time, while the next chunk arrives: a download then costs about
// what receiving it costs, not that plus the hashing.
class BlobSink {
 public:
  BlobSink(std::uint64_t size, util::AtomicFile* file);
  ~BlobSink();
  BlobSink(const BlobSink&) = delete;
  BlobSink& operator=(const BlobSink&) = delete;

  // An error is the file's (a full disk): the blob is then given up.
  std::expected<void, BlobWriteError> write(std::string_view bytes);
  // Every byte written and hashed: the hex digest of them all.
  std::expected<std::string, BlobWriteError> finish();

 private:
  std::expected<void, BlobWriteError> consume(std::string_view bytes);
  std::expected<void, BlobWriteError> hand_over();
  void work();
  void stop();

  util::AtomicFile* file_;
  util::Hasher hasher_{util::Hasher::Algorithm::Sha256};
  bool threaded_;
  std::string filling_;                // the chunk being filled by write()
  std::string spare_;                  // a chunk the worker is done with, to fill next
  std::optional<std::string> handed_;  // the chunk the worker is to consume
  bool closing_ = false;
  std::optional<BlobWriteError> error_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread worker_;  // last: started once the rest is ready
};

}  // namespace memo::store
