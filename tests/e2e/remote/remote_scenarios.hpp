#pragma once

// What a user sees with a remote cache, the same for every backend: a CI job writes, a fresh
// clone hits; read-only writes nothing; wrong credentials, a server that is down, a damaged or
// truncated artifact and an entry over maxSize never break the build; no secret ever shows.
// Each backend gives a RemoteTarget and instantiates RemoteScenarios with it
// (INSTANTIATE_TEST_SUITE_P(Remote<Backend>, RemoteScenarios, …)).

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "e2e/monorepo_fixture.hpp"

namespace memo::testing {

class RemoteTarget {
 public:
  virtual ~RemoteTarget() = default;
  // Moves to a namespace of the server no test used before (a team, a container), so the
  // tests of one process, which share one server, never see each other's entries.
  virtual void use_fresh_namespace() = 0;
  // Empty when the server runs; else why not (the suite fails with it).
  virtual std::string problem() = 0;
  // The environment that points memo at the remote with good credentials (read and write),
  // options given as `extra_options` merged into the provider's options (maxSize).
  virtual std::map<std::string, std::string> env(const std::string& extra_options = "") = 0;
  // The same with credentials the server refuses.
  virtual std::map<std::string, std::string> wrong_credentials_env() = 0;
  // A secret of env() that must never be printed.
  virtual std::string secret() = 0;
  // The artifact stored for `key` (the key memo hash prints), damaged behind memo's back.
  virtual void corrupt(const std::string& key) = 0;
  virtual void truncate(const std::string& key) = 0;
  virtual bool holds(const std::string& key) = 0;
  virtual void stop() = 0;
  virtual void start() = 0;
};

using RemoteTargetFactory = std::function<RemoteTarget&()>;

class RemoteScenarios : public MonorepoTest,
                        public ::testing::WithParamInterface<RemoteTargetFactory> {
 protected:
  void SetUp() override;
  RemoteTarget& target() { return *target_; }

  // The CI job: reads and writes the remote.
  MemoRun ci_build(const std::string& extra_options = "");
  // A fresh clone of the repo: no local store, no outputs.
  void become_fresh_clone();

  RemoteTarget* target_ = nullptr;
};

}  // namespace memo::testing
