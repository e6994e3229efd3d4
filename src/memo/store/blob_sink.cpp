#include "memo/store/blob_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

namespace memo::store {

namespace {

// Blobs from this size on are hashed and written on a thread of their own.
constexpr std::uint64_t kThreadedFrom = 4 * 1024 * 1024;
constexpr std::size_t kChunk = 1024 * 1024;

}  // namespace

BlobSink::BlobSink(std::uint64_t size, util::AtomicFile* file)
    : file_(file), threaded_(size >= kThreadedFrom) {
  if (!threaded_) return;
  filling_.reserve(kChunk);
  worker_ = std::thread([this] { work(); });
}

BlobSink::~BlobSink() {
  stop();
}

std::expected<void, BlobWriteError> BlobSink::write(std::string_view bytes) {
  if (!threaded_) return consume(bytes);
  while (!bytes.empty()) {
    const std::size_t take = std::min(kChunk - filling_.size(), bytes.size());
    filling_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (filling_.size() == kChunk) {
      if (auto handed = hand_over(); !handed) return handed;
    }
  }
  return {};
}

std::expected<std::string, BlobWriteError> BlobSink::finish() {
  if (threaded_) {
    if (!filling_.empty()) {
      if (auto handed = hand_over(); !handed) return std::unexpected(handed.error());
    }
    stop();
    if (error_) return std::unexpected(*error_);
  }
  return hasher_.hex_digest();
}

std::expected<void, BlobWriteError> BlobSink::consume(std::string_view bytes) {
  hasher_.update(bytes);
  if (!file_) return {};
  if (auto written = file_->write(bytes.data(), bytes.size()); !written) {
    return std::unexpected(BlobWriteError{errno, written.error()});
  }
  return {};
}

// Gives the full chunk to the worker once it is done with the one before, and takes that one
// back to fill next.
std::expected<void, BlobWriteError> BlobSink::hand_over() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !handed_ || error_; });
  if (error_) return std::unexpected(*error_);
  handed_ = std::move(filling_);
  filling_ = std::move(spare_);  // empty, the first time: the worker holds the other chunk
  filling_.clear();
  filling_.reserve(kChunk);
  changed_.notify_all();
  return {};
}

void BlobSink::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return handed_ || closing_; });
    if (!handed_) return;
    std::string chunk = std::move(*handed_);
    const bool failed = error_.has_value();  // only this thread sets it
    lock.unlock();
    auto consumed = failed ? std::expected<void, BlobWriteError>{} : consume(chunk);
    lock.lock();
    if (!consumed && !error_) error_ = consumed.error();
    handed_.reset();
    spare_ = std::move(chunk);
    changed_.notify_all();
  }
}

void BlobSink::stop() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

}  // namespace memo::store
