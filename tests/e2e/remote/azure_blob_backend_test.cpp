// The azure-blob backend against a real Azurite (tests/support/azurite_server.hpp): round trips
// small and in blocks, misses, the container made on first write, refusals in plain words
// without secrets, an outage, and the factory's one-line errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e/remote/azure_blob_test_helpers.hpp"
#include "memo/store/remote/backends.hpp"
#include "memo/util/base64.hpp"
#include "memo/util/digest.hpp"
#include "support/azurite_server.hpp"
#include "support/sanitizers.hpp"

namespace memo::store::remote {
namespace {

using testing::AzuriteServer;
constexpr const char* kContainer = "memo-tests";

std::unique_ptr<Backend> backend_for_connection(const std::string& connection_string,
                                                const std::string& container = kContainer) {
  BackendSettings settings;
  settings.provider = "azure-blob";
  settings.options = {{"connectionString", connection_string}, {"container", container}};
  auto made = make_azure_blob_backend(settings);
  if (!made) ADD_FAILURE() << made.error();
  return made ? std::move(*made) : nullptr;
}

std::unique_ptr<Backend> make_with_key() {
  return backend_for_connection(AzuriteServer::shared().connection_string());
}

// Stores `bytes` under `key` through `backend` and fails the test when that fails.
void put_bytes(Backend& backend, const std::string& key, const std::string& bytes) {
  StringSource source(bytes);
  auto put = backend.put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
}

std::string get_bytes(Backend& backend, const std::string& key) {
  StringSink sink;
  auto got = backend.get(id_of(key), sink);
  EXPECT_TRUE(got) << (got ? "" : got.error().message);
  EXPECT_TRUE(got && *got) << "a miss";
  return sink.bytes;
}

// A container name no other test uses.
std::string fresh_container() {
  static std::atomic<int> counter{0};
  return "fresh-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// The process's peak resident memory, which `reset_peak_memory` sets back to the current.
std::uint64_t peak_memory_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}
bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

// --- round trips -----------------------------------------------------------------------------

TEST(RemoteAzureBlobBackend, SmallArtifactRoundTrips) {
  auto backend = make_with_key();
  ASSERT_TRUE(backend);
  const std::string key = fresh_key();
  put_bytes(*backend, key, "hello, azure");
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_EQ(sink.bytes, "hello, azure");
  EXPECT_EQ(sink.expected, 12u);
  // Stored as the blob named by the key, in the container.
  EXPECT_EQ(AzuriteServer::shared().read_blob(kContainer, key), "hello, azure");
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(kContainer, key), 0u);
}

TEST(RemoteAzureBlobBackend, EmptyArtifactRoundTrips) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  put_bytes(*backend, key, "");
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  EXPECT_EQ(sink.bytes, "");
  EXPECT_EQ(sink.expected, 0u);
}

TEST(RemoteAzureBlobBackend, BigArtifactGoesInBlocksAndRoundTrips) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  const std::string bytes = random_bytes(30 * 1024 * 1024 + 123, 42);
  put_bytes(*backend, key, bytes);
  // 30 MiB in blocks of 8 MiB: four blocks, committed in order.
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(kContainer, key), 4u);
  const std::string got = get_bytes(*backend, key);
  EXPECT_EQ(got.size(), bytes.size());
  EXPECT_TRUE(got == bytes) << "the blocks came back in another order or damaged";
}

TEST(RemoteAzureBlobBackend, ArtifactOfExactlyOneBlockGoesInOneRequest) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  const std::string bytes = random_bytes(8 * 1024 * 1024, 7);
  put_bytes(*backend, key, bytes);
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(kContainer, key), 0u);
  EXPECT_TRUE(get_bytes(*backend, key) == bytes);
}

TEST(RemoteAzureBlobBackend, OneByteOverABlockGoesInTwoBlocks) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  const std::string bytes = random_bytes(8 * 1024 * 1024 + 1, 8);
  put_bytes(*backend, key, bytes);
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(kContainer, key), 2u);
  EXPECT_TRUE(get_bytes(*backend, key) == bytes);
}

TEST(RemoteAzureBlobBackend, PutReplacesWhatWasStored) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  put_bytes(*backend, key, random_bytes(9 * 1024 * 1024, 1));
  put_bytes(*backend, key, "second");
  EXPECT_EQ(get_bytes(*backend, key), "second");
}

TEST(RemoteAzureBlobBackend, HasSaysWhetherAnEntryIsStored) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  auto before = backend->has(id_of(key));
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_FALSE(*before);
  put_bytes(*backend, key, "x");
  auto after = backend->has(id_of(key));
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_TRUE(*after);
  ASSERT_TRUE(AzuriteServer::shared().delete_blob(kContainer, key));
  auto deleted = backend->has(id_of(key));
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_FALSE(*deleted);
}

TEST(RemoteAzureBlobBackend, NeverStoredKeyIsAMiss) {
  auto backend = make_with_key();
  put_bytes(*backend, fresh_key(), "the container exists");
  StringSink sink;
  auto got = backend->get(id_of(fresh_key()), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(*got);
  EXPECT_EQ(sink.bytes, "");
}

TEST(RemoteAzureBlobBackend, MissingContainerIsAMissUntilTheFirstPutMakesIt) {
  const std::string container = fresh_container();
  auto backend = backend_for_connection(AzuriteServer::shared().connection_string(), container);
  const std::string key = fresh_key();
  StringSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(*got);
  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_FALSE(*has);
  EXPECT_FALSE(AzuriteServer::shared().container_exists(container));

  put_bytes(*backend, key, "first entry");
  EXPECT_TRUE(AzuriteServer::shared().container_exists(container));
  EXPECT_EQ(get_bytes(*backend, key), "first entry");
}

TEST(RemoteAzureBlobBackend, BigFirstPutMakesTheContainerToo) {
  const std::string container = fresh_container();
  auto backend = backend_for_connection(AzuriteServer::shared().connection_string(), container);
  const std::string key = fresh_key();
  const std::string bytes = random_bytes(40 * 1024 * 1024, 9);
  put_bytes(*backend, key, bytes);
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(container, key), 5u);
  EXPECT_TRUE(get_bytes(*backend, key) == bytes);
}

TEST(RemoteAzureBlobBackend, ThreadsShareOneBackend) {
  auto backend = make_with_key();
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.push_back(fresh_key());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const std::string bytes = random_bytes(i % 2 ? 9 * 1024 * 1024 : 1000 + i, i);
      StringSource source(bytes);
      if (!backend->put(id_of(keys[i]), source)) ++failures;
      StringSink sink;
      auto got = backend->get(id_of(keys[i]), sink);
      if (!got || !*got || sink.bytes != bytes) ++failures;
      auto has = backend->has(id_of(keys[i]));
      if (!has || !*has) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
}

TEST(RemoteAzureBlobBackend, FailingSourceAbortsAndStoresNothing) {
  auto backend = make_with_key();
  for (std::size_t good : {std::size_t{100}, std::size_t{20 * 1024 * 1024}}) {
    const std::string key = fresh_key();
    FailingSource source(good);
    auto put = backend->put(id_of(key), source);
    ASSERT_FALSE(put) << "stored " << good << " bytes of a failed source";
    EXPECT_EQ(put.error().kind, RemoteError::Kind::Aborted);
    EXPECT_NE(put.error().message.find("the archive could not be read"), std::string::npos)
        << put.error().message;
    auto has = backend->has(id_of(key));
    ASSERT_TRUE(has);
    EXPECT_FALSE(*has) << good;
  }
}

TEST(RemoteAzureBlobBackend, RefusingSinkAbortsTheDownload) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  put_bytes(*backend, key, "some bytes");
  RefusingSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, RemoteError::Kind::Aborted);
}

TEST(RemoteAzureBlobBackend, TruncatedOrCorruptedBlobComesBackAsStored) {
  // The fixture damages entries past the backend; the backend hands over what is there (the
  // cache's verification is what refuses it).
  auto backend = make_with_key();
  const std::string key = fresh_key();
  put_bytes(*backend, key, "0123456789");
  ASSERT_TRUE(AzuriteServer::shared().truncate_blob(kContainer, key, 4));
  EXPECT_EQ(get_bytes(*backend, key), "0123");
  ASSERT_TRUE(AzuriteServer::shared().corrupt_blob(kContainer, key));
  EXPECT_EQ(get_bytes(*backend, key), std::string("01") + static_cast<char>(~'2') + "3");
}

TEST(RemoteAzureBlobBackend, BigUploadKeepsMemoryBounded) {
  if (MEMO_UNDER_SANITIZER) GTEST_SKIP() << "a sanitizer's allocator makes memory no measure";
  auto backend = make_with_key();
  const std::string key = fresh_key();
  const std::uint64_t size = 200ull * 1024 * 1024;
  // libcurl and what it loads are in memory before the measure starts.
  ASSERT_TRUE(backend->has(id_of(key)));
  ASSERT_TRUE(reset_peak_memory());
  const std::uint64_t before = peak_memory_bytes();
  RandomSource source(size, 2024);
  auto put = backend->put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
  HashingSink sink;
  auto got = backend->get(id_of(key), sink);
  ASSERT_TRUE(got) << got.error().message;
  const std::uint64_t grew = peak_memory_bytes() - before;
  EXPECT_LT(grew, 64ull * 1024 * 1024) << "the upload or download held " << grew << " bytes";
  EXPECT_EQ(sink.size, size);
  EXPECT_EQ(sink.digest(), source.digest());
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(kContainer, key), 25u);
}

// --- credentials -----------------------------------------------------------------------------

// Every message `backend` gives for a get, a has and a put, for the checks below.
std::vector<RemoteError> errors_of_every_call(Backend& backend, const std::string& key) {
  std::vector<RemoteError> errors;
  StringSink sink;
  if (auto got = backend.get(id_of(key), sink); !got) errors.push_back(got.error());
  if (auto has = backend.has(id_of(key)); !has) errors.push_back(has.error());
  StringSource small("small");
  if (auto put = backend.put(id_of(key), small); !put) errors.push_back(put.error());
  RandomSource big(9 * 1024 * 1024, 3);
  if (auto put = backend.put(id_of(key), big); !put) errors.push_back(put.error());
  return errors;
}

TEST(RemoteAzureBlobAuth, WrongAccountKeyIsDeniedInPlainWordsWithoutTheKey) {
  const std::string secret = "SENTINEL-account-key-0123456789abcdef";
  const std::string key_text = util::base64_encode(secret);
  const std::string connection = std::string("DefaultEndpointsProtocol=http;AccountName=") +
                                 AzuriteServer::kAccount + ";AccountKey=" + key_text +
                                 ";BlobEndpoint=" + AzuriteServer::shared().blob_endpoint();
  auto backend = backend_for_connection(connection);
  const std::string key = fresh_key();
  put_bytes(*make_with_key(), key, "stored");
  const auto errors = errors_of_every_call(*backend, key);
  ASSERT_EQ(errors.size(), 4u) << "a call with a wrong key succeeded";
  for (const auto& error : errors) {
    EXPECT_EQ(error.kind, RemoteError::Kind::Denied) << error.message;
    EXPECT_EQ(error.http_status, 403);
    EXPECT_NE(error.message.find("the account key was refused: check AccountKey"),
              std::string::npos)
        << error.message;
    EXPECT_EQ(error.message.find(key_text), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find(key_text.substr(0, 12)), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("SENTINEL"), std::string::npos) << error.message;
  }
}

TEST(RemoteAzureBlobAuth, ReadOnlySasReadsButItsPutIsRefusedInPlainWords) {
  const std::string key = fresh_key();
  put_bytes(*make_with_key(), key, "made by CI");
  auto backend = backend_for_connection(
      AzuriteServer::shared().sas_connection_string(AzuriteServer::shared().sas("rl")));
  EXPECT_EQ(get_bytes(*backend, key), "made by CI");
  auto has = backend->has(id_of(key));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_TRUE(*has);
  auto missing = backend->has(id_of(fresh_key()));
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_FALSE(*missing);

  for (std::size_t size : {std::size_t{5}, std::size_t{9 * 1024 * 1024}}) {
    RandomSource source(size, 5);
    auto put = backend->put(id_of(fresh_key()), source);
    ASSERT_FALSE(put) << "a read-only SAS wrote " << size << " bytes";
    EXPECT_EQ(put.error().kind, RemoteError::Kind::Denied);
    EXPECT_NE(put.error().message.find("the SAS token is read-only"), std::string::npos)
        << put.error().message;
    EXPECT_EQ(put.error().message.find("sig="), std::string::npos) << put.error().message;
  }
}

TEST(RemoteAzureBlobAuth, WritableSasRoundTripsSmallAndInBlocks) {
  auto backend = backend_for_connection(
      AzuriteServer::shared().sas_connection_string(AzuriteServer::shared().sas("racwl")));
  const std::string small_key = fresh_key(), big_key = fresh_key();
  put_bytes(*backend, small_key, "by SAS");
  EXPECT_EQ(get_bytes(*backend, small_key), "by SAS");
  const std::string bytes = random_bytes(17 * 1024 * 1024, 11);
  put_bytes(*backend, big_key, bytes);
  EXPECT_EQ(AzuriteServer::shared().committed_blocks(kContainer, big_key), 3u);
  EXPECT_TRUE(get_bytes(*backend, big_key) == bytes);
}

TEST(RemoteAzureBlobAuth, RefusedSasIsDeniedAndNeverQuoted) {
  std::string sas = AzuriteServer::shared().sas("racwl");
  const std::string sentinel = "SENTINELsasSignature0123456789";
  sas = sas.substr(0, sas.find("sig=")) + "sig=" + sentinel;
  auto backend = backend_for_connection(AzuriteServer::shared().sas_connection_string(sas));
  const std::string key = fresh_key();
  put_bytes(*make_with_key(), key, "stored");
  const auto errors = errors_of_every_call(*backend, key);
  ASSERT_EQ(errors.size(), 4u) << "a call with a forged SAS succeeded";
  for (const auto& error : errors) {
    EXPECT_EQ(error.kind, RemoteError::Kind::Denied) << error.message;
    EXPECT_NE(error.message.find("the SAS token was refused"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find(sentinel), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("sv=2021"), std::string::npos) << error.message;
  }
}

TEST(RemoteAzureBlobAuth, ExpiredSasIsDenied) {
  auto backend = backend_for_connection(AzuriteServer::shared().sas_connection_string(
      AzuriteServer::shared().sas("racwl", "2020-01-01T00:00:00Z")));
  StringSink sink;
  auto got = backend->get(id_of(fresh_key()), sink);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, RemoteError::Kind::Denied);
  EXPECT_NE(got.error().message.find("the SAS token was refused (expired"), std::string::npos)
      << got.error().message;
}

// --- outages ---------------------------------------------------------------------------------

TEST(RemoteAzureBlobOutage, NothingOnThePortIsUnreachableQuickly) {
  const std::string connection =
      std::string("AccountName=") + AzuriteServer::kAccount +
      ";AccountKey=" + AzuriteServer::kAccountKey +
      ";BlobEndpoint=http://127.0.0.1:" + std::to_string(testing::free_port()) +
      "/devstoreaccount1";
  auto backend = backend_for_connection(connection);
  const auto start = std::chrono::steady_clock::now();
  const auto errors = errors_of_every_call(*backend, fresh_key());
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(errors.size(), 4u);
  for (const auto& error : errors) {
    EXPECT_EQ(error.kind, RemoteError::Kind::Unreachable) << error.message;
    EXPECT_EQ(error.message.find(AzuriteServer::kAccountKey), std::string::npos);
  }
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(RemoteAzureBlobOutage, StoppedServerIsUnreachableAndServesAgainWhenBack) {
  auto backend = make_with_key();
  const std::string key = fresh_key();
  put_bytes(*backend, key, "survives a restart");
  AzuriteServer::shared().stop();
  auto down = backend->has(id_of(key));
  AzuriteServer::shared().start();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, RemoteError::Kind::Unreachable) << down.error().message;
  EXPECT_EQ(get_bytes(*backend, key), "survives a restart");
}

// --- the factory -----------------------------------------------------------------------------

std::string factory_error(const nlohmann::json& options) {
  BackendSettings settings;
  settings.provider = "azure-blob";
  settings.options = options;
  auto made = make_azure_blob_backend(settings);
  if (made) return "(made a backend)";
  return made.error();
}

TEST(RemoteAzureBlobFactory, MissingOrMalformedOptionsNameTheOptionAndTheFix) {
  const std::string good = "AccountName=acct;AccountKey=" + util::base64_encode("k");
  EXPECT_EQ(factory_error({{"connectionString", good}}),
            "cacheStorageConfig.options.container: missing; name the blob container entries go "
            "to");
  EXPECT_EQ(factory_error({{"connectionString", good}, {"container", 7}})
                .rfind("cacheStorageConfig.options.container: not a string", 0),
            0u);
  for (const char* bad : {"Build_Cache", "ab", "a--b", "-ab", "ab-", "caché"}) {
    EXPECT_EQ(factory_error({{"connectionString", good}, {"container", bad}})
                  .rfind("cacheStorageConfig.options.container: \"" + std::string(bad) +
                             "\" is not a container name",
                         0),
              0u)
        << bad;
  }
  EXPECT_EQ(factory_error({{"container", "cache"}})
                .rfind("cacheStorageConfig.options.connectionString: missing; give", 0),
            0u);
  EXPECT_EQ(factory_error({{"container", "cache"}, {"connectionString", true}})
                .rfind("cacheStorageConfig.options.connectionString: not a string", 0),
            0u);
  EXPECT_EQ(
      factory_error(nlohmann::json::array()).rfind("cacheStorageConfig.options: not an object", 0),
      0u);
}

TEST(RemoteAzureBlobFactory, BadConnectionStringsAreExplainedWithoutTheirSecrets) {
  const auto error_for = [](const std::string& connection) {
    return factory_error({{"connectionString", connection}, {"container", "cache"}});
  };
  const std::string option = "cacheStorageConfig.options.connectionString: ";
  EXPECT_EQ(error_for("SENTINEL-not-a-connection-string"),
            option + "part 1 is not Name=value (write Name=value;Name=value;…)");
  EXPECT_EQ(error_for("AccountName=acct;AccountKey=SENTINEL!!not*base64"),
            option +
                "AccountKey is not base64; copy it again from the storage account's access "
                "keys");
  EXPECT_EQ(error_for("AccountKey=" + util::base64_encode("SENTINEL")),
            option + "AccountKey needs AccountName (the storage account's name)");
  EXPECT_EQ(error_for("DefaultEndpointsProtocol=ftp;AccountName=a;SharedAccessSignature=sig=S"),
            option + "DefaultEndpointsProtocol is neither https nor http");
  EXPECT_EQ(error_for("BlobEndpoint=127.0.0.1:10000;SharedAccessSignature=sig=SENTINEL"),
            option + "BlobEndpoint is not an http:// or https:// URL");
  EXPECT_EQ(error_for("SharedAccessSignature=sv=1&sig=SENTINEL"),
            option + "names no account: give AccountName (or BlobEndpoint)");
  ScopedEnv no_identity(without_azure_identity());
  EXPECT_EQ(error_for("AccountName=acct;EndpointSuffix=core.windows.net"),
            option +
                "holds no AccountKey and no SharedAccessSignature, so memo signs in with the "
                "environment credential, but the environment credential reads AZURE_TENANT_ID, "
                "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET: set AZURE_TENANT_ID, AZURE_CLIENT_ID, "
                "AZURE_CLIENT_SECRET; or name another credentialName");
  EXPECT_EQ(error_for(""), option + "is empty");
}

TEST(RemoteAzureBlobFactory, EndpointsComeFromTheConnectionString) {
  const auto where = [](const std::string& connection) {
    BackendSettings settings;
    settings.provider = "azure-blob";
    settings.options = {{"connectionString", connection},
                        {"container", "cache"},
                        {"maxSize", 1000},
                        {"somethingElse", {{"ignored", true}}}};
    auto made = make_azure_blob_backend(settings);
    return made ? (*made)->where() : made.error();
  };
  const std::string key = util::base64_encode("k");
  EXPECT_EQ(where("UseDevelopmentStorage=true"), "http://127.0.0.1:10000/devstoreaccount1/cache");
  EXPECT_EQ(where("AccountName=acct;AccountKey=" + key),
            "https://acct.blob.core.windows.net/cache");
  EXPECT_EQ(where("defaultendpointsprotocol=http;accountname=acct;accountkey=" + key +
                  ";endpointsuffix=core.chinacloudapi.cn"),
            "http://acct.blob.core.chinacloudapi.cn/cache");
  EXPECT_EQ(where("BlobEndpoint=https://cache.example.test/;SharedAccessSignature=?sv=1&sig=S"),
            "https://cache.example.test/cache");
  // Nothing is sent by the factory: a backend for a port nobody listens on is made all the same.
  EXPECT_EQ(where("AccountName=a;AccountKey=" + key + ";BlobEndpoint=http://127.0.0.1:1/a"),
            "http://127.0.0.1:1/a/cache");
}

TEST(RemoteAzureBlobFactory, UseDevelopmentStorageSignsWithTheWellKnownKey) {
  // Azurite's own port is not ours; the connection string's key must still sign for it.
  const std::string connection =
      "UseDevelopmentStorage=true;BlobEndpoint=" + AzuriteServer::shared().blob_endpoint();
  auto backend = backend_for_connection(connection);
  ASSERT_TRUE(backend);
  const std::string key = fresh_key();
  put_bytes(*backend, key, "dev");
  EXPECT_EQ(get_bytes(*backend, key), "dev");
}

}  // namespace
}  // namespace memo::store::remote
