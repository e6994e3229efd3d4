#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {

// turborepo-remote-cache (turbo's remote-cache API v8) on 127.0.0.1 with local storage,
// installed by scripts/install-test-servers.sh. One per test process: shared() starts it on
// first use, and it stops when the process exits.
class TurboCacheServer {
 public:
  static TurboCacheServer& shared();
  ~TurboCacheServer();
  TurboCacheServer(const TurboCacheServer&) = delete;
  TurboCacheServer& operator=(const TurboCacheServer&) = delete;

  // Empty when the server runs; else why it does not (not installed, did not start).
  const std::string& problem() const { return problem_; }
  // "http://127.0.0.1:<port>": turbo's --api, memo's cacheStorageConfig.options.url.
  std::string url() const;
  int port() const { return port_; }
  // The one token the server accepts.
  const std::string& token() const { return token_; }

  // Where the server keeps `key` of `team` (turbo's own artifacts land there too).
  std::filesystem::path artifact_path(const std::string& team, const std::string& key) const;
  // Damage a stored artifact behind the cache's back.
  void corrupt(const std::string& team, const std::string& key) const;
  void truncate(const std::string& team, const std::string& key, std::uintmax_t size) const;
  void remove(const std::string& team, const std::string& key) const;

  // Stops the server (nothing listens on its port any more) and starts it again on the same
  // port with the same storage; start() is a no-op while it runs.
  void stop();
  bool start();

 private:
  TurboCacheServer();

  TempDir dir_;
  int port_ = 0;
  std::string token_;
  std::string problem_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace memo::testing
