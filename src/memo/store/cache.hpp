#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "memo/store/entry.hpp"
#include "memo/store/local_store.hpp"
#include "memo/store/remote/backend.hpp"

namespace memo::store {

// What the cache may do with its remote, decided once from the config, the mode and the
// flags (lage's fallback cache): the local store is read first; the remote is read when there
// is one, and written only when CI asks for it.
struct CachePolicy {
  bool read_remote = true;
  bool write_remote = false;
  std::optional<std::uint64_t> max_size;  // bigger artifacts neither go up nor come down
  std::chrono::milliseconds upload_wait{std::chrono::seconds(60)};  // at exit, at most
  int unreachable_limit = 3;  // connection failures before the remote is skipped
};

// Where a hit came from.
enum class HitSource { Local, Remote };

// The layered cache a step talks to: the local store, then the remote backend. A remote hit
// is imported into the local store (verified on the way) before anything is restored from
// it; uploads of new entries go through a queue on their own thread. A remote problem never
// fails anything here: it is said once, in plain words, and the remote is skipped.
class Cache {
 public:
  Cache(LocalStore& local, std::unique_ptr<remote::Backend> remote, CachePolicy policy);
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  struct Found {
    Entry entry;
    HitSource source = HitSource::Local;
    std::uint64_t downloaded = 0;  // bytes of a remote hit's artifact
    double download_ms = 0;
  };
  // The entry for id.key: the local store's, else the remote's (then in the local store too);
  // nullopt on a miss. An error is the local store's own.
  StoreResult<std::optional<Found>> find(const remote::ArtifactId& id);

  // Queues the upload of an entry just stored locally, when the remote is written.
  void upload(const remote::ArtifactId& id, const Entry& entry);
  // Whether the remote holds id's artifact: nullopt with no readable remote, or on a failure.
  std::optional<bool> remote_has(const remote::ArtifactId& id);

  // Waits for the queued uploads, at most policy.upload_wait; says at verbose how long they
  // took, and warns about those given up.
  void finish_uploads();

  LocalStore& local() { return local_; }
  bool has_remote() const { return remote_ != nullptr; }
  // "azure-blob container memo at http://…", for messages.
  std::string remote_name() const;

 private:
  struct Upload {
    remote::ArtifactId id;
    Entry entry;
  };
  std::optional<Found> fetch_remote(const remote::ArtifactId& id);
  std::expected<std::optional<Found>, remote::RemoteError> download_once(
      const remote::ArtifactId& id);
  void run_uploads();
  void send(const Upload& upload);
  // Records a failure: says it once per kind, opens the breaker when the remote is gone.
  void remote_failed(const remote::RemoteError& error, bool writing);
  bool remote_usable(bool writing);

  LocalStore& local_;
  std::unique_ptr<remote::Backend> remote_;
  CachePolicy policy_;

  std::mutex mutex_;  // guards everything below
  bool reading_denied_ = false;
  bool writing_denied_ = false;
  bool broken_ = false;  // the breaker is open: the remote is skipped
  int unreachable_ = 0;
  bool said_unreachable_ = false, said_denied_ = false, said_server_ = false;
  std::deque<Upload> queue_;
  bool stopping_ = false;   // the upload thread ends once the queue is empty
  bool giving_up_ = false;  // uploads still running stop at their next read
  int uploads_done_ = 0;
  double upload_ms_ = 0;
  std::uint64_t uploaded_bytes_ = 0;
  std::condition_variable changed_;
  std::jthread uploader_;  // last: joined before the rest goes away
};

}  // namespace memo::store
