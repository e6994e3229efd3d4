// The user-facing remote scenarios (remote_scenarios.cpp) on Azurite.
#include "e2e/remote/remote_scenarios.hpp"
#include "support/azurite_server.hpp"

namespace memo::testing {
namespace {

class AzuriteTarget : public RemoteTarget {
 public:
  void use_fresh_namespace() override {
    container_ = "memo-scenarios-" + std::to_string(++containers_);
  }
  std::string problem() override { return ""; }
  std::map<std::string, std::string> env(const std::string& extra_options) override {
    return env_with(server().connection_string(), extra_options);
  }
  std::map<std::string, std::string> wrong_credentials_env() override {
    std::string wrong = server().connection_string();
    std::string key = AzuriteServer::kAccountKey;
    wrong.replace(wrong.find(key), key.size(), "d3Jvbmcta2V5LWZvci10aGUtdGVzdA==");
    return env_with(wrong, "");
  }
  std::string secret() override { return AzuriteServer::kAccountKey; }
  void corrupt(const std::string& key) override { server().corrupt_blob(container_, key); }
  void truncate(const std::string& key) override { server().truncate_blob(container_, key, 100); }
  bool holds(const std::string& key) override {
    return server().read_blob(container_, key).has_value();
  }
  void stop() override { server().stop(); }
  void start() override { server().start(); }

 private:
  static AzuriteServer& server() { return AzuriteServer::shared(); }
  std::string container_;
  int containers_ = 0;
  std::map<std::string, std::string> env_with(const std::string& connection_string,
                                              const std::string& extra_options) {
    // backfill's way: the provider and its options both in the environment.
    return {{"BACKFILL_CACHE_PROVIDER", "azure-blob"},
            {"BACKFILL_CACHE_PROVIDER_OPTIONS",
             "{\"connectionString\": \"" + connection_string + "\", \"container\": \"" +
                 container_ + "\"" + (extra_options.empty() ? "" : ", " + extra_options) + "}"}};
  }
};

RemoteTarget& azurite_target() {
  static AzuriteTarget target;
  return target;
}

INSTANTIATE_TEST_SUITE_P(RemoteAzureBlob, RemoteScenarios, ::testing::Values(&azurite_target));

}  // namespace
}  // namespace memo::testing
