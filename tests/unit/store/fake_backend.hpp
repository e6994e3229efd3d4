#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "memo/store/remote/backend.hpp"

namespace memo::store::testing {

// An in-memory remote: artifacts by key, with failures to hand out on request.
class FakeBackend : public remote::Backend {
 public:
  std::string name() const override { return "fake"; }
  std::string where() const override { return "memory"; }

  remote::RemoteResult<bool> get(const remote::ArtifactId& id,
                                 remote::ArtifactSink& sink) override {
    std::lock_guard lock(mutex_);
    ++gets;
    if (auto failure = next_failure()) return std::unexpected(*failure);
    auto found = artifacts.find(id.key);
    if (found == artifacts.end()) return false;
    if (!sink.expect(found->second.size())) {
      return std::unexpected(remote::RemoteError{remote::RemoteError::Kind::Aborted, "stopped"});
    }
    for (std::size_t at = 0; at < found->second.size(); at += 10000) {
      if (!sink.write(std::string_view(found->second).substr(at, 10000))) {
        return std::unexpected(remote::RemoteError{remote::RemoteError::Kind::Aborted, "stopped"});
      }
    }
    return true;
  }

  remote::RemoteResult<bool> has(const remote::ArtifactId& id) override {
    std::lock_guard lock(mutex_);
    if (auto failure = next_failure()) return std::unexpected(*failure);
    return artifacts.count(id.key) > 0;
  }

  remote::RemoteResult<void> put(const remote::ArtifactId& id,
                                 remote::ArtifactSource& source) override {
    std::string bytes;
    char buffer[5000];
    while (true) {
      auto n = source.read(buffer);
      if (!n)
        return std::unexpected(remote::RemoteError{remote::RemoteError::Kind::Aborted, n.error()});
      if (*n == 0) break;
      bytes.append(buffer, *n);
    }
    std::lock_guard lock(mutex_);
    ++puts;
    if (auto failure = next_failure()) return std::unexpected(*failure);
    artifacts[id.key] = std::move(bytes);
    return {};
  }

  void fail_next(remote::RemoteError::Kind kind, int times = 1, bool connect_timed_out = false) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < times; ++i) {
      remote::RemoteError error{kind, "failure " + std::to_string(failures.size())};
      error.connect_timed_out = connect_timed_out;
      if (kind == remote::RemoteError::Kind::Server) error.http_status = 503;
      failures.push_back(error);
    }
  }

  std::map<std::string, std::string> artifacts;
  std::deque<remote::RemoteError> failures;
  int gets = 0;
  int puts = 0;

 private:
  std::optional<remote::RemoteError> next_failure() {
    if (failures.empty()) return std::nullopt;
    auto failure = failures.front();
    failures.pop_front();
    return failure;
  }
  std::mutex mutex_;
};

}  // namespace memo::store::testing
