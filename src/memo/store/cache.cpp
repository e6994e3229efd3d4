#include "memo/store/cache.hpp"

#include "memo/store/artifact/artifact_importer.hpp"
#include "memo/store/artifact/artifact_writer.hpp"
#include "memo/store/store_lock.hpp"
#include "memo/store/transfer_progress.hpp"
#include "memo/util/log.hpp"
#include "memo/util/stopwatch.hpp"

namespace memo::store {

namespace {

using remote::RemoteError;
using util::Log;

std::string short_key(const std::string& key) {
  return key.substr(0, 12);
}

std::uint64_t output_bytes(const Entry& entry) {
  std::uint64_t total = 0;
  for (const auto& output : entry.outputs) total += output.size;
  if (entry.log) total += entry.log->size;
  return total;
}

// A source that stops when the cache gives up waiting for it, and shows its progress.
class StoppableSource : public remote::ArtifactSource {
 public:
  StoppableSource(remote::ArtifactSource& inner, const bool& stop, std::mutex& mutex,
                  const std::string& key)
      : inner_(inner), stop_(stop), mutex_(mutex), progress_("uploading " + short_key(key), {}) {}
  std::expected<std::size_t, std::string> read(std::span<char> buffer) override {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return std::unexpected(std::string("given up: memo is exiting"));
    }
    auto n = inner_.read(buffer);
    if (n) sent_ += *n;
    progress_.update(sent_);
    return n;
  }
  std::optional<std::uint64_t> exact_size() override { return inner_.exact_size(); }
  std::uint64_t sent() const { return sent_; }

 private:
  remote::ArtifactSource& inner_;
  const bool& stop_;
  std::mutex& mutex_;
  std::uint64_t sent_ = 0;
  TransferProgress progress_;
};

// The importer, with a progress line for a big download.
class ShownSink : public remote::ArtifactSink {
 public:
  ShownSink(remote::ArtifactSink& inner, const std::string& key)
      : inner_(inner), progress_("downloading " + short_key(key), {}) {}
  bool expect(std::optional<std::uint64_t> size) override {
    progress_.set_total(size);
    return inner_.expect(size);
  }
  bool write(std::string_view bytes) override {
    received_ += bytes.size();
    progress_.update(received_);
    return inner_.write(bytes);
  }

 private:
  remote::ArtifactSink& inner_;
  std::uint64_t received_ = 0;
  TransferProgress progress_;
};

}  // namespace

Cache::Cache(LocalStore& local, std::unique_ptr<remote::Backend> remote, CachePolicy policy)
    : local_(local), remote_(std::move(remote)), policy_(policy) {}

Cache::~Cache() {
  finish_uploads();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
}

std::string Cache::remote_name() const {
  return remote_ ? remote_->name() + " at " + remote_->where() : "";
}

bool Cache::remote_usable(bool writing) {
  std::lock_guard lock(mutex_);
  if (!remote_ || broken_) return false;
  // An upload after a failed connection would first pack the whole artifact for nothing.
  return writing ? policy_.write_remote && !writing_denied_ && unreachable_ == 0
                 : policy_.read_remote && !reading_denied_;
}

void Cache::remote_failed(const RemoteError& error, bool writing) {
  std::lock_guard lock(mutex_);
  const std::string where = "remote cache " + remote_->name();
  switch (error.kind) {
    case RemoteError::Kind::Unreachable:
      ++unreachable_;
      // A host that lets a connection time out would make every request wait as long.
      if (error.connect_timed_out || unreachable_ >= policy_.unreachable_limit) broken_ = true;
      if (!said_unreachable_) {
        said_unreachable_ = true;
        Log::warn(where + " unreachable (" + error.message + "); " +
                  (broken_ ? "skipped for the rest of this run" : "going on without it"));
      } else if (broken_) {
        Log::verbose(where + " still unreachable: skipped for the rest of this run");
      }
      return;
    case RemoteError::Kind::Denied: {
      (writing ? writing_denied_ : reading_denied_) = true;
      // Credentials that are refused outright (401) will not write either.
      if (!writing && error.http_status == 401) writing_denied_ = true;
      std::string said = where + " refused " + (writing ? "an upload: " : "a read: ") +
                         error.message +
                         (writing ? "; nothing more is written" : "; not read again");
      // Said once: a refused read and a refused upload are mostly the same cause.
      if (!said_denied_) {
        said_denied_ = true;
        Log::warn(said);
      } else {
        Log::verbose(said);
      }
      return;
    }
    case RemoteError::Kind::Stalled:
    case RemoteError::Kind::Server:
    case RemoteError::Kind::Aborted:
      if (!said_server_) {
        said_server_ = true;
        Log::warn(where + ": " + error.message);
      } else {
        Log::verbose(where + ": " + error.message);
      }
      return;
  }
}

StoreResult<std::optional<Cache::Found>> Cache::find(const remote::ArtifactId& id) {
  auto found = local_.get(id.key);
  if (!found) return std::unexpected(found.error());
  if (*found) return std::optional<Found>(Found{std::move(**found), HitSource::Local});
  if (!remote_usable(false)) return std::optional<Found>();
  return fetch_remote(id);
}

std::expected<std::optional<Cache::Found>, RemoteError> Cache::download_once(
    const remote::ArtifactId& id) {
  util::Stopwatch downloading;
  // Shared with restores and stores: eviction must not take a blob before its entry is in.
  auto lock = StoreLock::shared(local_.root());
  artifact::ArtifactImporter importer(local_, id.key, remote_->layout(id), policy_.max_size);
  std::optional<remote::RemoteResult<bool>> got;
  {
    ShownSink shown(importer, id.key);
    got = remote_->get(id, shown);
  }
  if (importer.too_large()) {
    Log::verbose("remote entry " + short_key(id.key) + " is over maxSize: not downloaded");
    return std::optional<Found>();
  }
  if (importer.refusal()) {
    Log::warn("remote entry " + short_key(id.key) + " refused (" + *importer.refusal() +
              "); running the command");
    return std::optional<Found>();
  }
  if (!*got) return std::unexpected(got->error());
  if (!**got) return std::optional<Found>();
  auto entry = importer.finish();
  if (!entry) {
    Log::warn("remote entry " + short_key(id.key) + " refused (" + entry.error() +
              "); running the command");
    return std::optional<Found>();
  }
  return std::optional<Found>(
      Found{std::move(*entry), HitSource::Remote, importer.received(), downloading.elapsed_ms()});
}

std::optional<Cache::Found> Cache::fetch_remote(const remote::ArtifactId& id) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto found = download_once(id);
    if (found) return std::move(*found);
    const RemoteError& error = found.error();
    // One more try for a read that broke off or met a server error: both are often passing.
    bool passing = error.kind == RemoteError::Kind::Stalled ||
                   (error.kind == RemoteError::Kind::Server && error.http_status >= 500);
    if (attempt == 0 && passing) {
      Log::verbose("remote read failed (" + error.message + "); trying once more");
      continue;
    }
    remote_failed(error, false);
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<bool> Cache::remote_has(const remote::ArtifactId& id) {
  if (!remote_usable(false)) return std::nullopt;
  auto has = remote_->has(id);
  if (!has) {
    remote_failed(has.error(), false);
    return std::nullopt;
  }
  return *has;
}

void Cache::upload(const remote::ArtifactId& id, const Entry& entry) {
  if (!remote_usable(true)) return;
  if (policy_.max_size && output_bytes(entry) > *policy_.max_size) {
    Log::verbose("entry " + short_key(id.key) + " is over maxSize: not uploaded");
    return;
  }
  std::lock_guard lock(mutex_);
  queue_.push_back(Upload{id, entry});
  if (!uploader_.joinable()) {
    try {
      uploader_ = std::jthread([this] { run_uploads(); });
    } catch (const std::system_error&) {
      queue_.clear();
      Log::warn("cannot start the upload thread; the remote is not written");
      return;
    }
  }
  changed_.notify_all();
}

void Cache::run_uploads() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Upload next = std::move(queue_.front());
    lock.unlock();
    send(next);
    lock.lock();
    queue_.pop_front();
    ++uploads_done_;
    changed_.notify_all();
  }
}

void Cache::send(const Upload& upload) {
  if (!remote_usable(true)) return;
  util::Stopwatch sending;
  artifact::ArtifactWriter writer(upload.entry, local_, remote_->layout(upload.id));
  StoppableSource source(writer, giving_up_, mutex_, upload.id.key);
  auto sent = remote_->put(upload.id, source);
  if (!sent) {
    remote_failed(sent.error(), true);
    return;
  }
  std::lock_guard lock(mutex_);
  upload_ms_ += sending.elapsed_ms();
  uploaded_bytes_ += source.sent();
}

void Cache::finish_uploads() {
  std::unique_lock lock(mutex_);
  if (!uploader_.joinable()) return;
  util::Stopwatch waiting;
  bool done = changed_.wait_for(lock, policy_.upload_wait, [this] { return queue_.empty(); });
  if (!done) {
    Log::warn("uploads to the remote cache still running after " +
              std::to_string(policy_.upload_wait.count() / 1000) + " s; given up");
  }
  giving_up_ = !done;
  stopping_ = true;
  changed_.notify_all();
  lock.unlock();
  uploader_.join();
  lock.lock();
  stopping_ = false;  // a later upload starts the thread again
  if (uploads_done_ > 0 && done) {
    Log::verbose("uploaded " + std::to_string(uploads_done_) + " entr" +
                 (uploads_done_ == 1 ? "y" : "ies") + " (" + std::to_string(uploaded_bytes_) +
                 " bytes) in " + std::to_string(static_cast<long>(upload_ms_)) + " ms; waited " +
                 std::to_string(static_cast<long>(waiting.elapsed_ms())) + " ms");
  }
}

}  // namespace memo::store
