#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {

// Verdaccio (an npm registry) on 127.0.0.1, installed by scripts/install-test-servers.sh,
// with no uplinks (it never reaches out) and htpasswd users. One per test process: shared()
// starts it on first use, and it stops when the process exits. Its packages:
//   @locked/*   anyone reads, nobody may publish (403)
//   @private/*  only a logged-in user reads or publishes
//   any other   anyone reads, a logged-in user publishes
class VerdaccioServer {
 public:
  static VerdaccioServer& shared();
  ~VerdaccioServer();
  VerdaccioServer(const VerdaccioServer&) = delete;
  VerdaccioServer& operator=(const VerdaccioServer&) = delete;

  // Empty when the server runs; else why it does not.
  const std::string& problem() const { return problem_; }
  // "http://127.0.0.1:<port>/": the registryUrl.
  std::string url() const;
  int port() const { return port_; }
  // "//127.0.0.1:<port>/", the prefix of its keys in an .npmrc.
  std::string npmrc_prefix() const;

  // A user that may publish, made when the server first started, and its token.
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  const std::string& token() const { return token_; }
  // Makes another user; its token, or "" when Verdaccio refused.
  std::string add_user(const std::string& name, const std::string& password);

  // Where Verdaccio keeps the tarball of `version` of `package` ("@scope/name" or "name").
  std::filesystem::path tarball_path(const std::string& package, const std::string& version) const;
  void corrupt(const std::string& package, const std::string& version) const;

  // Stops the server (nothing listens on its port) and starts it again on the same port with
  // the same storage and users; start() is a no-op while it runs.
  void stop();
  bool start();

 private:
  VerdaccioServer();
  void write_config() const;

  TempDir dir_;
  int port_ = 0;
  std::string user_ = "memo-ci";
  std::string password_ = "memo-ci-password";
  std::string token_;
  std::string problem_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace memo::testing
