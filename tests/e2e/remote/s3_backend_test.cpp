// The s3 backend against a real S3 server (OpenStack Swift's s3api, which checks SigV4 as AWS
// does): round trips in one PUT and in parts, misses, refusals in plain words without secrets,
// a read-only user, a server that is down, where objects land by keyTemplate and prefix.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/remote/s3_test_support.hpp"
#include "memo/store/remote/s3_multipart_upload.hpp"
#include "support/sanitizers.hpp"

namespace memo::testing {
namespace {

using remote::RemoteError;
using Kind = RemoteError::Kind;

constexpr char kSentinelSecretKey[] = "sentinel-SECRET-4f1c9a";
constexpr char kSentinelToken[] = "sentinel-TOKEN-77e0b2";

class RemoteS3Backend : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> buckets{0};
    bucket_ = "memo-" + std::to_string(buckets++);
    SwiftServer::shared().create_bucket(bucket_, /*readable=*/true);
  }

  std::unique_ptr<remote::Backend> backend(nlohmann::json options) {
    auto made = make_s3(options);
    EXPECT_TRUE(made) << made.error();
    return made ? std::move(*made) : nullptr;
  }
  std::unique_ptr<remote::Backend> admin_backend() { return backend(swift_options(bucket_)); }

  static remote::ArtifactId id(const std::string& seed) {
    return {artifact_key(seed), "@scope/app", "tsc -b"};
  }

  // Stores `bytes` and reads them back through `backend`.
  static std::string round_trip(remote::Backend& backend, const remote::ArtifactId& id,
                                const std::string& bytes, std::size_t chunk = 64 * 1024) {
    S3StringSource source(bytes, chunk);
    auto put = backend.put(id, source);
    EXPECT_TRUE(put) << put.error().message;
    S3StringSink sink;
    auto got = backend.get(id, sink);
    EXPECT_TRUE(got && *got) << (got ? "a miss" : got.error().message);
    return sink.bytes;
  }

  S3ScopedEnv env_{no_aws_environment()};
  std::string bucket_;
};

TEST_F(RemoteS3Backend, SmallArtifactRoundTripsUnderItsKey) {
  auto s3 = admin_backend();
  const std::string bytes = s3_random_bytes(100 * 1000, 1);
  EXPECT_TRUE(round_trip(*s3, id("small"), bytes) == bytes);
  // With neither prefix nor keyTemplate an object is named by the key alone.
  EXPECT_EQ(SwiftServer::shared().list_objects(bucket_),
            std::vector<std::string>{artifact_key("small")});
  EXPECT_TRUE(SwiftServer::shared().get_object(bucket_, artifact_key("small")) == bytes);
}

TEST_F(RemoteS3Backend, EmptyArtifactRoundTrips) {
  auto s3 = admin_backend();
  EXPECT_EQ(round_trip(*s3, id("empty"), ""), "");
  EXPECT_EQ(SwiftServer::shared().get_object(bucket_, artifact_key("empty")), "");
}

TEST_F(RemoteS3Backend, GetTellsTheSinkTheSizeBeforeTheBytes) {
  auto s3 = admin_backend();
  S3StringSource source(std::string(12345, 'x'));
  ASSERT_TRUE(s3->put(id("sized"), source));
  S3StringSink sink;
  ASSERT_TRUE(s3->get(id("sized"), sink));
  EXPECT_TRUE(sink.expected_called);
  EXPECT_EQ(sink.expected, 12345u);
}

TEST_F(RemoteS3Backend, BigArtifactGoesInPartsAndRoundTrips) {
  auto s3 = admin_backend();
  const std::string bytes = s3_random_bytes(30 * 1000 * 1000, 2);
  // Reads of an odd size: parts are filled across reads.
  EXPECT_TRUE(round_trip(*s3, id("big"), bytes, 100 * 1000 + 7) == bytes);
  // 30 MB is four parts of 8 MiB or less: S3's ETag of a multipart object says how many.
  auto etag = SwiftServer::shared().etag(bucket_, artifact_key("big"));
  ASSERT_TRUE(etag);
  EXPECT_TRUE(etag->ends_with("-4\"")) << *etag;
  EXPECT_EQ(SwiftServer::shared().unfinished_uploads(bucket_), 0u);
}

TEST_F(RemoteS3Backend, UpToOnePartGoesInOnePutAndOneByteMoreInTwoParts) {
  auto s3 = admin_backend();
  const std::string whole = s3_random_bytes(remote::kS3PartSize, 3);
  EXPECT_TRUE(round_trip(*s3, id("one part"), whole) == whole);
  auto single = SwiftServer::shared().etag(bucket_, artifact_key("one part"));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->find('-'), std::string::npos) << *single;

  const std::string more = whole + "!";
  EXPECT_TRUE(round_trip(*s3, id("two parts"), more) == more);
  auto parted = SwiftServer::shared().etag(bucket_, artifact_key("two parts"));
  ASSERT_TRUE(parted);
  EXPECT_TRUE(parted->ends_with("-2\"")) << *parted;
}

TEST_F(RemoteS3Backend, PutReplacesWhatWasStored) {
  auto s3 = admin_backend();
  EXPECT_EQ(round_trip(*s3, id("replaced"), "first"), "first");
  EXPECT_EQ(round_trip(*s3, id("replaced"), "second"), "second");
}

TEST_F(RemoteS3Backend, HasSaysWhetherAnArtifactIsStored) {
  auto s3 = admin_backend();
  auto before = s3->has(id("has"));
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_FALSE(*before);
  S3StringSource source("bytes");
  ASSERT_TRUE(s3->put(id("has"), source));
  auto after = s3->has(id("has"));
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_TRUE(*after);
  // The first miss of a backend also checked the bucket; the next ones are plain misses.
  auto other = s3->has(id("has not"));
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_FALSE(*other);
}

TEST_F(RemoteS3Backend, NeverStoredKeyIsAMissAndTheSinkGetsNothing) {
  auto s3 = admin_backend();
  S3StringSink sink;
  auto got = s3->get(id("never stored"), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(*got);
  EXPECT_EQ(sink.size, 0u);
  EXPECT_FALSE(sink.expected_called);
}

TEST_F(RemoteS3Backend, MissingBucketIsAnErrorThatSaysSoNotAMiss) {
  auto s3 = backend(swift_options("no-such-bucket"));
  S3StringSink sink;
  auto got = s3->get(id("x"), sink);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("bucket \"no-such-bucket\" does not exist"), std::string::npos)
      << got.error().message;
  auto has = s3->has(id("x"));  // HEAD has no body: the backend asks again to tell why
  ASSERT_FALSE(has);
  EXPECT_NE(has.error().message.find("does not exist"), std::string::npos) << has.error().message;
  S3StringSource source("bytes");
  auto put = s3->put(id("x"), source);
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message.find("does not exist"), std::string::npos) << put.error().message;
}

void expect_denied_without_secrets(const RemoteError& error, const std::string& words) {
  EXPECT_EQ(error.kind, Kind::Denied) << error.message;
  EXPECT_NE(error.message.find(words), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find(kSentinelSecretKey), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find(kSentinelToken), std::string::npos) << error.message;
}

TEST_F(RemoteS3Backend, WrongSecretIsDeniedInPlainWordsWithoutTheSecret) {
  auto options = swift_options(bucket_);
  options["secretAccessKey"] = kSentinelSecretKey;
  options["sessionToken"] = kSentinelToken;
  auto s3 = backend(options);
  const std::string words = "the signature was refused: check the secret key";
  S3StringSink sink;
  auto got = s3->get(id("x"), sink);
  ASSERT_FALSE(got);
  expect_denied_without_secrets(got.error(), words);
  EXPECT_EQ(got.error().http_status, 403);
  EXPECT_NE(got.error().message.find("ci:tester"), std::string::npos) << got.error().message;
  auto has = s3->has(id("x"));
  ASSERT_FALSE(has);
  expect_denied_without_secrets(has.error(), words);
  S3StringSource small("bytes");
  auto put = s3->put(id("x"), small);
  ASSERT_FALSE(put);
  expect_denied_without_secrets(put.error(), words);
  S3GeneratedSource big(20 * 1000 * 1000);
  auto put_big = s3->put(id("x"), big);
  ASSERT_FALSE(put_big);
  expect_denied_without_secrets(put_big.error(), words);
}

TEST_F(RemoteS3Backend, UnknownAccessKeyIsDeniedAndNamedWithoutTheSecret) {
  auto options = swift_options(bucket_);
  options["accessKeyId"] = "nobody:stranger";
  options["secretAccessKey"] = kSentinelSecretKey;
  auto s3 = backend(options);
  S3StringSink sink;
  auto got = s3->get(id("x"), sink);
  ASSERT_FALSE(got);
  // Swift's tempauth answers an unknown user as a bad signature (AWS: InvalidAccessKeyId).
  expect_denied_without_secrets(got.error(), "check the secret key");
  EXPECT_NE(got.error().message.find("\"nobody:stranger\" from cacheStorageConfig.options"),
            std::string::npos)
      << got.error().message;
}

TEST_F(RemoteS3Backend, ReadOnlyUserReadsButItsPutsAreRefusedInPlainWords) {
  auto admin = admin_backend();
  const std::string bytes = s3_random_bytes(5000, 4);
  S3StringSource source(bytes);
  ASSERT_TRUE(admin->put(id("shared"), source));

  auto reader = backend(swift_options(bucket_, SwiftServer::reader()));
  S3StringSink sink;
  auto got = reader->get(id("shared"), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_TRUE(sink.bytes == bytes);
  auto has = reader->has(id("shared"));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_TRUE(*has);

  const std::string words = "may not write bucket \"" + bucket_ + "\": they may be read-only";
  S3StringSource small("bytes");
  auto put = reader->put(id("mine"), small);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Denied);
  EXPECT_NE(put.error().message.find(words), std::string::npos) << put.error().message;
  EXPECT_EQ(put.error().message.find(SwiftServer::reader().secret_key), std::string::npos);
  S3GeneratedSource big(20 * 1000 * 1000);
  auto put_big = reader->put(id("mine"), big);
  ASSERT_FALSE(put_big);
  EXPECT_NE(put_big.error().message.find(words), std::string::npos) << put_big.error().message;
  EXPECT_FALSE(SwiftServer::shared().get_object(bucket_, artifact_key("mine")));
}

TEST_F(RemoteS3Backend, ReaderOfAPrivateBucketIsDeniedNotToldItMissed) {
  const std::string private_bucket = bucket_ + "-private";
  SwiftServer::shared().create_bucket(private_bucket);
  auto reader = backend(swift_options(private_bucket, SwiftServer::reader()));
  const std::string words = "may not read bucket \"" + private_bucket + "\"";
  S3StringSink sink;
  auto got = reader->get(id("x"), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  EXPECT_NE(got.error().message.find(words), std::string::npos) << got.error().message;
  auto has = reader->has(id("x"));
  ASSERT_FALSE(has);
  EXPECT_EQ(has.error().kind, Kind::Denied);
  EXPECT_NE(has.error().message.find(words), std::string::npos) << has.error().message;
}

TEST_F(RemoteS3Backend, WrongRegionIsDeniedAndTheMessageNamesTheBucketsRegion) {
  auto options = swift_options(bucket_);
  options["region"] = "eu-west-1";
  auto s3 = backend(options);
  S3StringSink sink;
  auto got = s3->get(id("x"), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Denied);
  EXPECT_NE(got.error().message.find("is in region \"us-east-1\", not \"eu-west-1\""),
            std::string::npos)
      << got.error().message;
}

TEST_F(RemoteS3Backend, ServerDownIsUnreachableQuickly) {
  auto options = swift_options(bucket_);
  options["endpoint"] = "http://127.0.0.1:" + std::to_string(free_port());
  auto s3 = backend(options);
  const auto start = std::chrono::steady_clock::now();
  S3StringSink sink;
  auto got = s3->get(id("x"), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Unreachable) << got.error().message;
  auto has = s3->has(id("x"));
  ASSERT_FALSE(has);
  EXPECT_EQ(has.error().kind, Kind::Unreachable) << has.error().message;
  S3StringSource source("bytes");
  auto put = s3->put(id("x"), source);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Unreachable) << put.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(RemoteS3Backend, KeyTemplateAndPrefixNameTheObject) {
  auto options = swift_options(bucket_);
  options["prefix"] = "team/";
  options["keyTemplate"] = "caches/<workspace>/<command>/<key>";
  auto templated = backend(options);
  const std::string bytes = "filed by package and command";
  S3StringSource source(bytes);
  ASSERT_TRUE(templated->put(id("templated"), source));

  const std::string name = "team/caches/@scope/app/tsc -b/" + artifact_key("templated");
  EXPECT_EQ(SwiftServer::shared().list_objects(bucket_), std::vector<std::string>{name});
  // A second backend whose template spells that very name out finds it.
  auto spelled = swift_options(bucket_);
  spelled["keyTemplate"] = "team/caches/@scope/app/tsc -b/<key>";
  auto other = backend(spelled);
  S3StringSink sink;
  auto got = other->get(id("templated"), sink);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(sink.bytes, bytes);
  // One without the template does not.
  auto plain = admin_backend();
  auto has = plain->has(id("templated"));
  ASSERT_TRUE(has);
  EXPECT_FALSE(*has);
}

TEST_F(RemoteS3Backend, DotFoldersAndControlCharactersInNamesCannotBeFoldedAway) {
  auto options = swift_options(bucket_);
  options["keyTemplate"] = "<package>/<command>/<key>";
  auto s3 = backend(options);
  const remote::ArtifactId odd{artifact_key("odd"), "..", "line\nbreak"};
  S3StringSource source("odd");
  ASSERT_TRUE(s3->put(odd, source));
  EXPECT_EQ(SwiftServer::shared().list_objects(bucket_),
            std::vector<std::string>{"%2E%2E/line%0Abreak/" + artifact_key("odd")});
  S3StringSink sink;
  ASSERT_TRUE(s3->get(odd, sink));
  EXPECT_EQ(sink.bytes, "odd");
}

TEST_F(RemoteS3Backend, SourceFailingMidwayAbortsTheUploadAndStoresNothing) {
  auto s3 = admin_backend();
  S3GeneratedSource failing(40 * 1000 * 1000, 20 * 1000 * 1000);
  auto put = s3->put(id("failing"), failing);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind, Kind::Aborted);
  EXPECT_NE(put.error().message.find("the sentinel source failed"), std::string::npos)
      << put.error().message;
  EXPECT_FALSE(SwiftServer::shared().get_object(bucket_, artifact_key("failing")));
  EXPECT_EQ(SwiftServer::shared().unfinished_uploads(bucket_), 0u);

  S3GeneratedSource failing_small(1000, 10);
  auto small = s3->put(id("failing small"), failing_small);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().kind, Kind::Aborted);
}

TEST_F(RemoteS3Backend, SinkRefusingTheArtifactAbortsTheGet) {
  auto s3 = admin_backend();
  S3StringSource source(std::string(1000, 'x'));
  ASSERT_TRUE(s3->put(id("refused"), source));
  class TooBig : public remote::ArtifactSink {
   public:
    bool expect(std::optional<std::uint64_t>) override { return false; }
    bool write(std::string_view) override { return true; }
  } refuse;
  auto got = s3->get(id("refused"), refuse);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::Aborted);
}

TEST_F(RemoteS3Backend, ManyThreadsPutAndGetAtOnce) {
  auto s3 = admin_backend();
  std::vector<std::string> contents;
  for (int i = 0; i < 8; ++i) contents.push_back(s3_random_bytes(50000 + i, 10 + i));
  std::atomic<int> good{0};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        const auto artifact = id("thread " + std::to_string(i));
        S3StringSource source(contents[i]);
        if (!s3->put(artifact, source)) return;
        S3StringSink sink;
        auto got = s3->get(artifact, sink);
        auto has = s3->has(artifact);
        if (got && *got && sink.bytes == contents[i] && has && *has) ++good;
      });
    }
  }
  EXPECT_EQ(good, 8);
}

TEST_F(RemoteS3Backend, StoppedServerIsUnreachableAndComesBackWithWhatItHeld) {
  auto s3 = admin_backend();
  S3StringSource source("kept across a restart");
  ASSERT_TRUE(s3->put(id("restart"), source));
  SwiftServer::shared().stop();
  S3StringSink during;
  auto down = s3->get(id("restart"), during);
  SwiftServer::shared().start();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, Kind::Unreachable) << down.error().message;
  S3StringSink after;
  auto got = s3->get(id("restart"), after);
  ASSERT_TRUE(got && *got) << (got ? "a miss" : got.error().message);
  EXPECT_EQ(after.bytes, "kept across a restart");
}

std::uint64_t status_kilobytes(const char* field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field)) return std::stoull(line.substr(std::string(field).size()));
  }
  return 0;
}

TEST_F(RemoteS3Backend, A200MegabyteArtifactMovesWithinBoundedMemory) {
  if (MEMO_UNDER_SANITIZER) GTEST_SKIP() << "a sanitizer's allocator makes memory no measure";
  auto s3 = admin_backend();
  // libcurl and what it loads are in memory before the measure starts.
  ASSERT_TRUE(s3->has(id("huge")));
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // the peak resident size starts again from now
  }
  const std::uint64_t before = status_kilobytes("VmRSS:");
  ASSERT_LE(status_kilobytes("VmHWM:"), before + 4096) << "the peak could not be reset";
  S3GeneratedSource source(200ull * 1000 * 1000);
  auto put = s3->put(id("huge"), source);
  ASSERT_TRUE(put) << put.error().message;
  S3StringSink sink(/*keep=*/false);
  auto got = s3->get(id("huge"), sink);
  ASSERT_TRUE(got && *got);
  const std::uint64_t peak = status_kilobytes("VmHWM:");
  EXPECT_EQ(sink.size, 200ull * 1000 * 1000);
  EXPECT_EQ(sink.sha256(), source.sha256());
  // The parts in flight (4 x 8 MiB), the one being read, and room for one more: 48 MiB.
  const std::uint64_t bound_kb = (remote::kS3PartsInFlight + 2) * remote::kS3PartSize / 1024;
  EXPECT_LT(peak - before, bound_kb) << "peak " << peak << " kB, before " << before << " kB";
  auto etag = SwiftServer::shared().etag(bucket_, artifact_key("huge"));
  ASSERT_TRUE(etag);
  EXPECT_TRUE(etag->ends_with("-24\"")) << *etag;  // 200 MB / 8 MiB
}

}  // namespace
}  // namespace memo::testing
