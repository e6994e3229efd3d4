// How the s3 backend is configured: the factory's one-line errors, where credentials, region,
// endpoint and bucket come from (options, AWS's variables and shared files, mila.json), and the
// URLs objects get. The credential tests sign real requests against Swift.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e/remote/s3_test_support.hpp"
#include "memo/store/remote/s3_client.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {
namespace {

constexpr char kSentinelSecret[] = "sentinel-SECRET-91d2e0";

nlohmann::json aws_options(nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json options = {{"bucket", "cache-bucket"},
                            {"accessKeyId", "AKIDEXAMPLE"},
                            {"secretAccessKey", kSentinelSecret}};
  options.update(extra);
  return options;
}

std::string factory_error(const nlohmann::json& options,
                          const std::filesystem::path& repo_root = {}) {
  auto made = make_s3(options, repo_root);
  EXPECT_FALSE(made) << "made a backend from " << options.dump();
  if (made) return "";
  EXPECT_EQ(made.error().find('\n'), std::string::npos) << made.error();
  EXPECT_EQ(made.error().find(kSentinelSecret), std::string::npos) << made.error();
  return made.error();
}

remote::S3Client client(const nlohmann::json& options,
                        const std::filesystem::path& repo_root = {}) {
  remote::BackendSettings settings;
  settings.provider = "s3";
  settings.options = options;
  settings.repo_root = repo_root;
  auto read = remote::read_s3_settings(settings);
  if (!read) throw std::runtime_error(read.error());
  return remote::S3Client(std::move(*read));
}

class RemoteS3Settings : public ::testing::Test {
 protected:
  S3ScopedEnv env_{no_aws_environment()};
  TempDir home_;
  // No ~/.aws of the machine's user.
  S3ScopedEnv home_env_{{{"HOME", home_.path().string()}}};
};

TEST_F(RemoteS3Settings, MissingBucketNamesTheOptionAndTheFix) {
  EXPECT_EQ(factory_error({{"accessKeyId", "a"}, {"secretAccessKey", "b"}}),
            "cacheStorageConfig.options.bucket: missing; name the S3 bucket entries go to (or "
            "set state.checksums in mila.json)");
}

TEST_F(RemoteS3Settings, OptionsOfTheWrongTypeAreNamed) {
  EXPECT_EQ(factory_error(aws_options({{"bucket", 5}})),
            "cacheStorageConfig.options.bucket: must be a string");
  EXPECT_EQ(factory_error(aws_options({{"region", true}})),
            "cacheStorageConfig.options.region: must be a string");
  EXPECT_NE(factory_error(nlohmann::json::array()).find("cacheStorageConfig.options: must be"),
            std::string::npos);
}

TEST_F(RemoteS3Settings, MalformedValuesAreNamedWithTheFix) {
  EXPECT_NE(factory_error(aws_options({{"bucket", "a/b"}}))
                .find("cacheStorageConfig.options.bucket: \"a/b\" is not a bucket name"),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"region", "us east"}}))
                .find("cacheStorageConfig.options.region: \"us east\" is not a region name"),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"endpoint", "ftp://host"}}))
                .find("cacheStorageConfig.options.endpoint: not an http:// or https:// URL"),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"endpoint", "http://"}})).find("names no host"),
            std::string::npos);
  // Credentials in the URL are never repeated.
  auto with_password = factory_error(
      aws_options({{"endpoint", std::string("http://user:") + kSentinelSecret + "@host:9000"}}));
  EXPECT_NE(with_password.find("cacheStorageConfig.options.endpoint: holds credentials"),
            std::string::npos)
      << with_password;
}

TEST_F(RemoteS3Settings, KeyTemplateAndPrefixErrorsNameTheOption) {
  const std::string key_template = "cacheStorageConfig.options.keyTemplate: ";
  EXPECT_EQ(factory_error(aws_options({{"keyTemplate", "caches/<package>"}})),
            key_template + "holds no <key>: every artifact would get the same name");
  EXPECT_NE(factory_error(aws_options({{"keyTemplate", "<branch>/<key>"}}))
                .find(key_template + "has an unknown placeholder <branch>; use <key>"),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"keyTemplate", "a/<key"}})).find("without its '>'"),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"keyTemplate", "a/../<key>"}})).find(key_template),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"prefix", "../"}}))
                .find("cacheStorageConfig.options.prefix: has a \".\" or \"..\" folder"),
            std::string::npos);
  EXPECT_NE(factory_error(aws_options({{"prefix", "/cache/"}}))
                .find("cacheStorageConfig.options.prefix: starts with '/'"),
            std::string::npos);
}

TEST_F(RemoteS3Settings, HalfGivenCredentialsNameWhatIsMissing) {
  EXPECT_NE(factory_error({{"bucket", "b"}, {"accessKeyId", "AKID"}})
                .find("cacheStorageConfig.options.secretAccessKey: missing"),
            std::string::npos);
  EXPECT_NE(factory_error({{"bucket", "b"}, {"secretAccessKey", kSentinelSecret}})
                .find("cacheStorageConfig.options.accessKeyId: missing"),
            std::string::npos);
  EXPECT_NE(factory_error({{"bucket", "b"}, {"sessionToken", kSentinelSecret}})
                .find("cacheStorageConfig.options.sessionToken: set without accessKeyId"),
            std::string::npos);
  S3ScopedEnv half{{{"AWS_ACCESS_KEY_ID", "AKID"}}};
  EXPECT_NE(factory_error({{"bucket", "b"}}).find("AWS_SECRET_ACCESS_KEY: not set"),
            std::string::npos);
}

TEST_F(RemoteS3Settings, NoCredentialsAnywhereSaysWhereToPutThem) {
  auto error = factory_error({{"bucket", "b"}});
  EXPECT_NE(error.find("no AWS credentials for the s3 cache: set AWS_ACCESS_KEY_ID"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find((home_ / ".aws" / "credentials").string()), std::string::npos) << error;
}

TEST_F(RemoteS3Settings, UnknownOptionsAreIgnored) {
  EXPECT_TRUE(make_s3(aws_options({{"someFutureOption", 1}, {"maxSize", 1000}})));
}

TEST_F(RemoteS3Settings, TheFactorySendsNothing) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  ASSERT_TRUE(make_s3(aws_options({{"endpoint", endpoint}})));
  ::fcntl(listener, F_SETFL, O_NONBLOCK);
  EXPECT_LT(::accept(listener, nullptr, nullptr), 0) << "the factory connected";
  ::close(listener);
}

TEST_F(RemoteS3Settings, AwsUrlsAreVirtualHostedInTheRegion) {
  EXPECT_EQ(client(aws_options({{"region", "eu-west-3"}})).url("caches/a b/k"),
            "https://cache-bucket.s3.eu-west-3.amazonaws.com/caches/a%20b/k");
  EXPECT_EQ(client(aws_options()).url("k"), "https://cache-bucket.s3.us-east-1.amazonaws.com/k");
  // A dotted bucket cannot match the TLS certificate's wildcard: path-style.
  EXPECT_EQ(client(aws_options({{"bucket", "my.cache"}, {"region", "eu-west-1"}})).url("k"),
            "https://s3.eu-west-1.amazonaws.com/my.cache/k");
  EXPECT_EQ(client(aws_options({{"region", "cn-north-1"}})).url("k"),
            "https://cache-bucket.s3.cn-north-1.amazonaws.com.cn/k");
}

TEST_F(RemoteS3Settings, AnEndpointMeansPathStyleAndCanComeFromTheEnvironment) {
  EXPECT_EQ(client(aws_options({{"endpoint", "http://127.0.0.1:9000/"}})).url("@s/a/k"),
            "http://127.0.0.1:9000/cache-bucket/%40s/a/k");
  {
    S3ScopedEnv env{{{"AWS_ENDPOINT_URL", "http://general:1"}}};
    EXPECT_EQ(client(aws_options()).url("k"), "http://general:1/cache-bucket/k");
    S3ScopedEnv s3_only{{{"AWS_ENDPOINT_URL_S3", "https://s3-only:2"}}};
    EXPECT_EQ(client(aws_options()).url("k"), "https://s3-only:2/cache-bucket/k");
    EXPECT_EQ(client(aws_options({{"endpoint", "http://option:3"}})).url("k"),
              "http://option:3/cache-bucket/k");
  }
}

TEST_F(RemoteS3Settings, RegionComesFromTheOptionThenTheEnvironmentThenTheProfile) {
  home_.write(".aws/config", "[default]\nregion = ap-south-1\n[profile ci]\nregion = sa-east-1\n");
  EXPECT_EQ(client(aws_options()).settings().region, "ap-south-1");
  {
    S3ScopedEnv profile{{{"AWS_PROFILE", "ci"}}};
    EXPECT_EQ(client(aws_options()).settings().region, "sa-east-1");
  }
  {
    S3ScopedEnv default_region{{{"AWS_DEFAULT_REGION", "eu-north-1"}}};
    EXPECT_EQ(client(aws_options()).settings().region, "eu-north-1");
    S3ScopedEnv region{{{"AWS_REGION", "eu-south-1"}}};
    EXPECT_EQ(client(aws_options()).settings().region, "eu-south-1");
    EXPECT_EQ(client(aws_options({{"region", "me-south-1"}})).settings().region, "me-south-1");
  }
  std::filesystem::remove(home_ / ".aws/config");
  EXPECT_EQ(client(aws_options()).settings().region, "us-east-1");
}

TEST_F(RemoteS3Settings, BucketAndRegionComeFromMilaJson) {
  TempDir repo;
  repo.write(
      "mila.json",
      R"({"defaultRegion": "eu-west-3", "state": {"checksums": "mila-cache", "table": "t"}})");
  auto options = aws_options();
  options.erase("bucket");
  auto mila = client(options, repo.path());
  EXPECT_EQ(mila.settings().bucket, "mila-cache");
  EXPECT_EQ(mila.settings().region, "eu-west-3");
  // A bucket named in the options does not take mila.json's region.
  S3ScopedEnv region{{{"AWS_REGION", "us-west-2"}}};
  EXPECT_EQ(client(aws_options(), repo.path()).settings().region, "us-west-2");
  EXPECT_EQ(client(options, repo.path()).settings().region, "eu-west-3");
}

TEST_F(RemoteS3Settings, MilaJsonWithAccountsTakesTheOneNamed) {
  TempDir repo;
  repo.write("mila.json", R"({"accounts": {
      "dev": {"id": "111111111111", "defaultRegion": "eu-west-1",
              "state": {"checksums": "dev-cache", "table": "t"}},
      "prod": {"id": "222222222222", "defaultRegion": "us-west-2",
               "state": {"checksums": "prod-cache", "table": "t"}}}})");
  auto options = aws_options();
  options.erase("bucket");
  EXPECT_NE(factory_error(options, repo.path())
                .find("has several accounts (dev, prod): set cacheStorageConfig.options.account"),
            std::string::npos);
  options["account"] = "prod";
  EXPECT_EQ(client(options, repo.path()).settings().bucket, "prod-cache");
  options["account"] = "111111111111";
  EXPECT_EQ(client(options, repo.path()).settings().region, "eu-west-1");
  options["account"] = "staging";
  EXPECT_NE(factory_error(options, repo.path()).find("has no account \"staging\""),
            std::string::npos);
}

TEST_F(RemoteS3Settings, MilaJsonThatIsNotJsonIsNamed) {
  TempDir repo;
  repo.write("mila.json", "{ not json");
  auto options = aws_options();
  options.erase("bucket");
  EXPECT_NE(factory_error(options, repo.path()).find("mila.json: not valid JSON"),
            std::string::npos);
}

TEST_F(RemoteS3Settings, ProfileWithoutKeysSaysWhatMemoReads) {
  home_.write(".aws/credentials", "[default]\nrole_arn = arn:aws:iam::1:role/x\n");
  auto error = factory_error({{"bucket", "b"}});
  EXPECT_NE(error.find("profile \"default\" in "), std::string::npos) << error;
  EXPECT_NE(error.find("has no aws_access_key_id"), std::string::npos) << error;
  S3ScopedEnv missing{{{"AWS_PROFILE", "absent"}}};
  EXPECT_NE(factory_error({{"bucket", "b"}}).find("profile \"absent\" (from AWS_PROFILE)"),
            std::string::npos);
}

TEST_F(RemoteS3Settings, WhereNamesBucketLayoutAndPlaceButNoSecret) {
  auto made = make_s3(aws_options({{"prefix", "ci/"},
                                   {"keyTemplate", "caches/<workspace>/<cmd>/<key>"},
                                   {"region", "eu-west-1"}}));
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->name(), "s3");
  EXPECT_EQ((*made)->where(), "s3://cache-bucket/ci/caches/<package>/<command>/<key> at eu-west-1");
}

// Credentials from the environment and from AWS's shared files, proven by signing real
// requests: only the right keys store and read an artifact.
class RemoteS3Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    static int buckets = 0;
    bucket_ = "memo-credentials-" + std::to_string(buckets++);
    SwiftServer::shared().create_bucket(bucket_);
  }

  nlohmann::json options_without_keys() const {
    auto options = swift_options(bucket_);
    options.erase("accessKeyId");
    options.erase("secretAccessKey");
    return options;
  }
  // Whether a backend made from `options` stores and reads an artifact (the message when not).
  static std::string works(const nlohmann::json& options) {
    auto made = make_s3(options);
    if (!made) return made.error();
    S3StringSource source("credentials");
    const remote::ArtifactId id{artifact_key("credentials"), "app", "build"};
    if (auto put = (*made)->put(id, source); !put) return put.error().message;
    S3StringSink sink;
    auto got = (*made)->get(id, sink);
    if (!got) return got.error().message;
    return *got && sink.bytes == "credentials" ? "works" : "a miss";
  }

  S3ScopedEnv env_{no_aws_environment()};
  TempDir home_;
  S3ScopedEnv home_env_{{{"HOME", home_.path().string()}}};
  std::string bucket_;
};

std::string profile_section(const std::string& name, const S3User& user) {
  return "[" + name + "]\naws_access_key_id = " + user.access_key +
         "\naws_secret_access_key = " + user.secret_key + "\n";
}

TEST_F(RemoteS3Credentials, FromTheEnvironment) {
  S3ScopedEnv keys{{{"AWS_ACCESS_KEY_ID", SwiftServer::admin().access_key},
                    {"AWS_SECRET_ACCESS_KEY", SwiftServer::admin().secret_key}}};
  EXPECT_EQ(works(options_without_keys()), "works");
  {
    // A session token travels as x-amz-security-token, signed with the rest (Swift ignores it).
    S3ScopedEnv token{{{"AWS_SESSION_TOKEN", "session-token-value"}}};
    EXPECT_EQ(works(options_without_keys()), "works");
  }
  S3ScopedEnv wrong{{{"AWS_SECRET_ACCESS_KEY", kSentinelSecret}}};
  auto message = works(options_without_keys());
  EXPECT_NE(message.find("from AWS_ACCESS_KEY_ID"), std::string::npos) << message;
  EXPECT_EQ(message.find(kSentinelSecret), std::string::npos) << message;
}

TEST_F(RemoteS3Credentials, FromTheCredentialsFileAndTheProfileNamed) {
  TempDir files;
  const auto credentials = files.write(
      "shared-credentials",
      "# comment\n" + profile_section("default", {"ci:tester", kSentinelSecret}) +
          "s3 =\n  max_concurrent_requests = 4\n" + profile_section("ci", SwiftServer::admin()));
  S3ScopedEnv file{{{"AWS_SHARED_CREDENTIALS_FILE", credentials.string()}}};
  auto wrong = works(options_without_keys());
  EXPECT_NE(wrong.find("the signature was refused"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("profile \"default\" in " + credentials.string()), std::string::npos)
      << wrong;
  EXPECT_EQ(wrong.find(kSentinelSecret), std::string::npos) << wrong;
  {
    S3ScopedEnv profile{{{"AWS_PROFILE", "ci"}}};
    EXPECT_EQ(works(options_without_keys()), "works");
  }
  auto options = options_without_keys();
  options["profile"] = "ci";
  EXPECT_EQ(works(options), "works");
}

TEST_F(RemoteS3Credentials, FromTheHomeFolderAndTheConfigFile) {
  home_.write(".aws/credentials", profile_section("default", SwiftServer::admin()));
  EXPECT_EQ(works(options_without_keys()), "works");
  std::filesystem::remove(home_ / ".aws/credentials");
  home_.write(
      ".aws/config",
      "[profile ci]\nregion = us-east-1\naws_access_key_id = " + SwiftServer::admin().access_key +
          "\naws_secret_access_key = " + SwiftServer::admin().secret_key + "\n");
  S3ScopedEnv profile{{{"AWS_PROFILE", "ci"}}};
  EXPECT_EQ(works(options_without_keys()), "works");
}

TEST_F(RemoteS3Credentials, OptionsWinOverTheEnvironment) {
  S3ScopedEnv keys{{{"AWS_ACCESS_KEY_ID", "nobody:x"}, {"AWS_SECRET_ACCESS_KEY", kSentinelSecret}}};
  EXPECT_EQ(works(swift_options(bucket_)), "works");
}

}  // namespace
}  // namespace memo::testing
