// The user-facing remote scenarios (remote_scenarios.cpp) on turborepo-remote-cache.
#include "e2e/remote/remote_scenarios.hpp"
#include "support/turbo_cache_server.hpp"

namespace memo::testing {
namespace {

class TurboTarget : public RemoteTarget {
 public:
  void use_fresh_namespace() override { team_ = "team_memo" + std::to_string(++teams_); }
  std::string problem() override { return server().problem(); }
  std::map<std::string, std::string> env(const std::string& extra_options) override {
    return {{"MEMO_CACHE_PROVIDER", "http"},
            {"MEMO_CACHE_PROVIDER_OPTIONS",
             "{\"url\": \"" + server().url() + "\", \"team\": \"" + team_ + "\"" +
                 (extra_options.empty() ? "" : ", " + extra_options) + "}"},
            {"TURBO_TOKEN", server().token()}};
  }
  std::map<std::string, std::string> wrong_credentials_env() override {
    auto wrong = env("");
    wrong["TURBO_TOKEN"] = "wrong-" + server().token();
    return wrong;
  }
  std::string secret() override { return server().token(); }
  void corrupt(const std::string& key) override { server().corrupt(team_, key); }
  void truncate(const std::string& key) override { server().truncate(team_, key, 100); }
  bool holds(const std::string& key) override {
    return std::filesystem::exists(server().artifact_path(team_, key));
  }
  void stop() override { server().stop(); }
  void start() override { server().start(); }

 private:
  std::string team_;
  int teams_ = 0;
  static TurboCacheServer& server() { return TurboCacheServer::shared(); }
};

RemoteTarget& turbo_target() {
  static TurboTarget target;
  return target;
}

INSTANTIATE_TEST_SUITE_P(RemoteHttp, RemoteScenarios, ::testing::Values(&turbo_target));

}  // namespace
}  // namespace memo::testing
