// The user-facing remote scenarios (remote_scenarios.cpp) on OpenStack Swift's S3 API, which
// checks SigV4 signatures.
#include "e2e/remote/remote_scenarios.hpp"
#include "support/swift_server.hpp"

namespace memo::testing {
namespace {

class SwiftTarget : public RemoteTarget {
 public:
  void use_fresh_namespace() override {
    bucket_ = "memo-scenarios-" + std::to_string(++buckets_);
    server().create_bucket(bucket_);
  }
  std::string problem() override { return ""; }
  std::map<std::string, std::string> env(const std::string& extra_options) override {
    return env_with(SwiftServer::admin().secret_key, extra_options);
  }
  std::map<std::string, std::string> wrong_credentials_env() override {
    return env_with("wrong-" + SwiftServer::admin().secret_key, "");
  }
  std::string secret() override { return SwiftServer::admin().secret_key; }
  void corrupt(const std::string& key) override {
    auto bytes = server().get_object(bucket_, key);
    ASSERT_TRUE(bytes);
    (*bytes)[bytes->size() / 2] ^= 0x55;
    server().put_object(bucket_, key, *bytes);
  }
  void truncate(const std::string& key) override {
    auto bytes = server().get_object(bucket_, key);
    ASSERT_TRUE(bytes);
    server().put_object(bucket_, key, bytes->substr(0, 100));
  }
  bool holds(const std::string& key) override {
    return server().get_object(bucket_, key).has_value();
  }
  void stop() override { server().stop(); }
  void start() override { server().start(); }

 private:
  static SwiftServer& server() { return SwiftServer::shared(); }

  // Microlambda's way: the bucket in the options, the credentials in AWS's variables.
  std::map<std::string, std::string> env_with(const std::string& secret_key,
                                              const std::string& extra_options) {
    return {{"MEMO_CACHE_PROVIDER", "s3"},
            {"MEMO_CACHE_PROVIDER_OPTIONS",
             "{\"bucket\": \"" + bucket_ + "\", \"endpoint\": \"" + server().endpoint() +
                 "\", \"region\": \"" + SwiftServer::region() + "\"" +
                 (extra_options.empty() ? "" : ", " + extra_options) + "}"},
            {"AWS_ACCESS_KEY_ID", SwiftServer::admin().access_key},
            {"AWS_SECRET_ACCESS_KEY", secret_key}};
  }

  std::string bucket_;
  int buckets_ = 0;
};

RemoteTarget& swift_target() {
  static SwiftTarget target;
  return target;
}

INSTANTIATE_TEST_SUITE_P(RemoteS3, RemoteScenarios, ::testing::Values(&swift_target));

}  // namespace
}  // namespace memo::testing
