// The user-facing remote scenarios (remote_scenarios.cpp) on Verdaccio.
#include "e2e/remote/remote_scenarios.hpp"
#include "support/verdaccio_server.hpp"

namespace memo::testing {
namespace {

class VerdaccioTarget : public RemoteTarget {
 public:
  void use_fresh_namespace() override {
    package_ = "memo-scenarios-" + std::to_string(++packages_);
  }
  std::string problem() override { return server().problem(); }
  std::map<std::string, std::string> env(const std::string& extra_options) override {
    return env_with(server().token(), extra_options);
  }
  std::map<std::string, std::string> wrong_credentials_env() override {
    return env_with("wrong-" + server().token(), "");
  }
  std::string secret() override { return server().token(); }
  void corrupt(const std::string& key) override { server().corrupt(package_, version(key)); }
  void truncate(const std::string& key) override {
    std::filesystem::resize_file(server().tarball_path(package_, version(key)), 100);
  }
  bool holds(const std::string& key) override {
    return std::filesystem::exists(server().tarball_path(package_, version(key)));
  }
  void stop() override { server().stop(); }
  void start() override { server().start(); }

 private:
  static VerdaccioServer& server() { return VerdaccioServer::shared(); }
  static std::string version(const std::string& key) { return "0.0.0-" + key; }

  // backfill's options, with the token in an .npmrc of its own.
  std::map<std::string, std::string> env_with(const std::string& token,
                                              const std::string& extra_options) {
    std::string npmrc = (npmrcs_ / ("npmrc-" + std::to_string(++npmrc_count_))).string();
    write_file(npmrc, server().npmrc_prefix() + ":_authToken=" + token + "\n");
    return {{"BACKFILL_CACHE_PROVIDER", "npm"},
            {"BACKFILL_CACHE_PROVIDER_OPTIONS",
             "{\"npmPackageName\": \"" + package_ + "\", \"registryUrl\": \"" + server().url() +
                 "\", \"npmrcUserconfig\": \"" + npmrc + "\"" +
                 (extra_options.empty() ? "" : ", " + extra_options) + "}"}};
  }

  TempDir npmrcs_;
  int npmrc_count_ = 0;
  std::string package_;
  int packages_ = 0;
};

RemoteTarget& verdaccio_target() {
  static VerdaccioTarget target;
  return target;
}

INSTANTIATE_TEST_SUITE_P(RemoteNpm, RemoteScenarios, ::testing::Values(&verdaccio_target));

}  // namespace
}  // namespace memo::testing
