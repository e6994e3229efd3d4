// The azure-blob backend signing in with Azure AD (lage's credentialName) against Azurite's
// OAuth mode over HTTPS, with the identity endpoints faked (tests/support/fake_azure_identity)
// and a fake `az` on PATH: each credential gets a token once, renews it, and says in plain
// words why it was refused, without the secret.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/remote/azure_blob_test_helpers.hpp"
#include "memo/store/remote/backends.hpp"
#include "support/azurite_server.hpp"
#include "support/fake_azure_identity.hpp"
#include "support/temp_dir.hpp"

namespace memo::store::remote {
namespace {

using testing::AzuriteServer;
using testing::FakeAzureIdentity;
constexpr const char* kIdentityContainer = "memo-identity";

// Each test: a fresh fake identity service, and no Azure variable but those it sets.
class RemoteAzureBlobIdentity : public ::testing::Test {
 protected:
  RemoteAzureBlobIdentity() : clean_(without_azure_identity()) {}

  static AzuriteServer& azurite() { return AzuriteServer::shared_oauth(); }

  // The environment credential's variables, pointing at the fake.
  EnvValues app(const std::string& client_id = FakeAzureIdentity::kClientId,
                const std::string& secret = FakeAzureIdentity::kClientSecret) const {
    return {{"AZURE_AUTHORITY_HOST", identity_.base_url()},
            {"AZURE_TENANT_ID", FakeAzureIdentity::kTenant},
            {"AZURE_CLIENT_ID", client_id},
            {"AZURE_CLIENT_SECRET", secret}};
  }

  nlohmann::json options(const std::optional<std::string>& credential_name = std::nullopt,
                         const std::string& container = kIdentityContainer) const {
    nlohmann::json options = {{"connectionString", "BlobEndpoint=" + azurite().blob_endpoint()},
                              {"container", container},
                              {"caFile", azurite().ca_file()}};
    if (credential_name) options["credentialName"] = *credential_name;
    return options;
  }

  static MadeBackend made(const nlohmann::json& options) {
    BackendSettings settings;
    settings.provider = "azure-blob";
    settings.options = options;
    return make_azure_blob_backend(settings);
  }

  static std::unique_ptr<Backend> make(const nlohmann::json& options) {
    auto backend = made(options);
    if (!backend) ADD_FAILURE() << backend.error();
    return backend ? std::move(*backend) : nullptr;
  }

  // Puts, gets and checks an entry through `backend`; true when all of it worked.
  static void round_trip(Backend& backend, std::size_t size = 1000) {
    const std::string key = fresh_key();
    const std::string bytes = random_bytes(size, size);
    StringSource source(bytes);
    auto put = backend.put(id_of(key), source);
    ASSERT_TRUE(put) << put.error().message;
    StringSink sink;
    auto got = backend.get(id_of(key), sink);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(*got);
    EXPECT_TRUE(sink.bytes == bytes);
    auto has = backend.has(id_of(key));
    ASSERT_TRUE(has) << has.error().message;
    EXPECT_TRUE(*has);
    EXPECT_EQ(azurite().read_blob(kIdentityContainer, key).value_or("").size(), size);
  }

  // The fake's requests that asked for a token.
  std::vector<std::string> token_requests() const { return identity_.requests(); }

  static RemoteError error_of_get(Backend& backend) {
    StringSink sink;
    auto got = backend.get(id_of(fresh_key()), sink);
    EXPECT_FALSE(got) << "the get succeeded";
    return got ? RemoteError{} : got.error();
  }

  ScopedEnv clean_;
  FakeAzureIdentity identity_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- environment (client secret) -------------------------------------------------------------

TEST_F(RemoteAzureBlobIdentity, EnvironmentCredentialIsTheDefaultAndSignsEveryRequest) {
  ScopedEnv env(app());
  auto backend = make(options());
  ASSERT_TRUE(backend);
  EXPECT_TRUE(token_requests().empty()) << "the factory sent a request";
  round_trip(*backend);
  round_trip(*backend, 9 * 1024 * 1024);  // in blocks, each with the token
  const auto requests = token_requests();
  ASSERT_EQ(requests.size(), 1u) << "the token was not kept";
  EXPECT_EQ(requests[0],
            "POST /memo-tenant/oauth2/v2.0/token? client_id=memo-client "
            "client_secret=<secret> grant_type=client_credentials "
            "scope=https://storage.azure.com/.default");
}

TEST_F(RemoteAzureBlobIdentity, FirstWriteWithATokenMakesTheContainer) {
  ScopedEnv env(app());
  const std::string container = "identity-fresh-" + std::to_string(::getpid());
  auto backend = make(options("environment", container));
  const std::string key = fresh_key();
  StringSource source("first");
  auto put = backend->put(id_of(key), source);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(azurite().read_blob(container, key), "first");
}

TEST_F(RemoteAzureBlobIdentity, CredentialNameComesFromTheOptionOrTheEnvironment) {
  ScopedEnv env(app());
  for (const char* name : {"environment", "environmentCredential"}) {
    auto backend = make(options(name));
    ASSERT_TRUE(backend) << name;
    round_trip(*backend);
  }
  ScopedEnv named(EnvValues{{"AZURE_IDENTITY_CREDENTIAL_NAME", "environment"}});
  auto backend = make(options());
  ASSERT_TRUE(backend);
  round_trip(*backend);
  EXPECT_EQ(token_requests().size(), 3u);
}

TEST_F(RemoteAzureBlobIdentity, BareServiceUrlAsLageGivesIt) {
  ScopedEnv env(app());
  nlohmann::json bare = options();
  bare["connectionString"] = azurite().blob_endpoint() + "/";
  auto backend = make(bare);
  ASSERT_TRUE(backend);
  round_trip(*backend);
}

TEST_F(RemoteAzureBlobIdentity, WrongClientSecretIsDeniedInPlainWordsWithoutTheSecret) {
  const std::string secret = "SENTINEL-wrong-client-secret";
  ScopedEnv env(app(FakeAzureIdentity::kClientId, secret));
  auto backend = make(options());
  const RemoteError error = error_of_get(*backend);
  EXPECT_EQ(error.kind, RemoteError::Kind::Denied) << error.message;
  EXPECT_TRUE(contains(error.message,
                       "the environment credential: the client secret was "
                       "refused: check AZURE_CLIENT_SECRET"))
      << error.message;
  EXPECT_TRUE(contains(error.message, "AADSTS7000215")) << error.message;
  EXPECT_FALSE(contains(error.message, "SENTINEL")) << error.message;
}

TEST_F(RemoteAzureBlobIdentity, UnknownApplicationIsNamed) {
  ScopedEnv env(app("some-other-app"));
  const RemoteError error = error_of_get(*make(options()));
  EXPECT_EQ(error.kind, RemoteError::Kind::Denied);
  EXPECT_TRUE(contains(error.message, "Azure AD knows no application AZURE_CLIENT_ID names"))
      << error.message;
}

TEST_F(RemoteAzureBlobIdentity, TokenTheStorageRefusesIsDeniedAndNotKept) {
  ScopedEnv env(app(FakeAzureIdentity::kWrongAudienceClientId));
  auto backend = make(options());
  for (int i = 0; i < 2; ++i) {
    const RemoteError error = error_of_get(*backend);
    EXPECT_EQ(error.kind, RemoteError::Kind::Denied) << error.message;
    EXPECT_EQ(error.http_status, 403);
    EXPECT_TRUE(contains(error.message, "the Azure AD token was refused")) << error.message;
  }
  // A refused token is dropped: the second request asked for a new one.
  EXPECT_EQ(token_requests().size(), 2u);
}

TEST_F(RemoteAzureBlobIdentity, ShortLivedTokenIsRenewedAndFetchedOnceForManyThreads) {
  ScopedEnv env(app(FakeAzureIdentity::kShortLivedClientId));
  auto backend = make(options());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto has = backend->has(id_of(fresh_key()));
      if (!has || *has) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(token_requests().size(), 1u) << "threads fetched a token each";
  // The token lives 2 s and is renewed half way.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto has = backend->has(id_of(fresh_key()));
  ASSERT_TRUE(has) << has.error().message;
  EXPECT_EQ(token_requests().size(), 2u) << "the token was not renewed before it expired";
}

TEST_F(RemoteAzureBlobIdentity, HttpsWithoutTheCertificateIsUnreachable) {
  ScopedEnv env(app());
  nlohmann::json untrusted = options();
  untrusted.erase("caFile");
  const RemoteError error = error_of_get(*make(untrusted));
  EXPECT_EQ(error.kind, RemoteError::Kind::Unreachable) << error.message;
}

// --- workload identity (federated token) -----------------------------------------------------

TEST_F(RemoteAzureBlobIdentity, WorkloadIdentitySendsTheFederatedTokenFromItsFile) {
  testing::TempDir dir;
  const auto file = dir.write("token", std::string(FakeAzureIdentity::kFederatedToken) + "\n");
  auto variables = app();
  variables["AZURE_CLIENT_SECRET"] = std::nullopt;
  variables["AZURE_FEDERATED_TOKEN_FILE"] = file.string();
  ScopedEnv env(variables);
  auto backend = make(options("workload-identity"));
  ASSERT_TRUE(backend);
  round_trip(*backend);
  const auto requests = token_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0],
            "POST /memo-tenant/oauth2/v2.0/token? client_assertion=<assertion> "
            "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer "
            "client_id=memo-client grant_type=client_credentials "
            "scope=https://storage.azure.com/.default");
}

TEST_F(RemoteAzureBlobIdentity, RefusedFederatedTokenIsExplainedWithoutIt) {
  testing::TempDir dir;
  auto variables = app();
  variables["AZURE_FEDERATED_TOKEN_FILE"] = dir.write("token", "SENTINEL-stale-token").string();
  ScopedEnv env(variables);
  const RemoteError error = error_of_get(*make(options("workloadIdentityCredential")));
  EXPECT_EQ(error.kind, RemoteError::Kind::Denied);
  EXPECT_TRUE(contains(error.message,
                       "the federated token in AZURE_FEDERATED_TOKEN_FILE was "
                       "refused"))
      << error.message;
  EXPECT_FALSE(contains(error.message, "SENTINEL")) << error.message;
}

// --- managed identity ------------------------------------------------------------------------

TEST_F(RemoteAzureBlobIdentity, ManagedIdentityAsksTheInstanceMetadataService) {
  ScopedEnv env(EnvValues{{"AZURE_POD_IDENTITY_AUTHORITY_HOST", identity_.base_url() + "/"}});
  auto backend = make(options("managed-identity"));
  ASSERT_TRUE(backend);
  round_trip(*backend);
  const auto requests = token_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0],
            "GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2F"
            "storage.azure.com%2F ");
}

TEST_F(RemoteAzureBlobIdentity, ManagedIdentityNotOnThisMachineIsSaidSo) {
  ScopedEnv env(EnvValues{{"AZURE_POD_IDENTITY_AUTHORITY_HOST", identity_.base_url()},
                          {"AZURE_CLIENT_ID", "no-such-identity"}});
  const RemoteError error = error_of_get(*make(options("managed-identity")));
  EXPECT_EQ(error.kind, RemoteError::Kind::Denied);
  EXPECT_TRUE(contains(error.message,
                       "no managed identity is assigned to this machine with the "
                       "client id AZURE_CLIENT_ID gives"))
      << error.message;
}

TEST_F(RemoteAzureBlobIdentity, ManagedIdentityEndpointDownIsUnreachableQuickly) {
  ScopedEnv env(EnvValues{{"AZURE_POD_IDENTITY_AUTHORITY_HOST",
                           "http://127.0.0.1:" + std::to_string(testing::free_port())}});
  auto backend = make(options("managed-identity"));
  const auto start = std::chrono::steady_clock::now();
  const RemoteError error = error_of_get(*backend);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(error.kind, RemoteError::Kind::Unreachable) << error.message;
  EXPECT_TRUE(contains(error.message, "is this an Azure machine with a managed identity?"))
      << error.message;
}

TEST_F(RemoteAzureBlobIdentity, AppServiceIdentityEndpointTakesItsHeader) {
  ScopedEnv env(EnvValues{{"IDENTITY_ENDPOINT", identity_.app_service_endpoint()},
                          {"IDENTITY_HEADER", FakeAzureIdentity::kIdentityHeader}});
  auto backend = make(options("managed-identity"));
  round_trip(*backend);
  const auto requests = token_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("GET /msi/token?api-version=2019-08-01&resource="))
      << requests[0];
}

TEST_F(RemoteAzureBlobIdentity, AppServiceHeaderRefusedIsSaidWithoutIt) {
  ScopedEnv env(EnvValues{{"IDENTITY_ENDPOINT", identity_.app_service_endpoint()},
                          {"IDENTITY_HEADER", "SENTINEL-wrong-header"}});
  const RemoteError error = error_of_get(*make(options("managedIdentityCredential")));
  EXPECT_EQ(error.kind, RemoteError::Kind::Denied);
  EXPECT_TRUE(contains(error.message, "the identity endpoint refused IDENTITY_HEADER"))
      << error.message;
  EXPECT_FALSE(contains(error.message, "SENTINEL")) << error.message;
}

// --- azure-cli -------------------------------------------------------------------------------

// A fake `az` first on PATH: it logs its arguments and prints token.json, or fails as a signed
// out az does when signed-out exists.
class FakeAz {
 public:
  FakeAz() {
    const auto script = dir_.write("bin/az", R"(#!/bin/sh
here="$(dirname "$0")/.."
printf '%s\n' "$*" >> "$here/az.log"
if [ "$*" != "account get-access-token --resource https://storage.azure.com/ -o json" ]; then
  echo "ERROR: unexpected arguments: $*" >&2; exit 2
fi
if [ -e "$here/signed-out" ]; then
  echo "ERROR: Please run 'az login' to setup account." >&2; exit 1
fi
cat "$here/token.json"
)");
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  }
  std::string path() const { return (dir_ / "bin").string() + ":/usr/bin:/bin"; }
  void answer(const std::string& json) const { dir_.write("token.json", json); }
  void sign_out() const { dir_.write("signed-out", ""); }
  std::vector<std::string> calls() const {
    std::vector<std::string> lines;
    std::ifstream log(dir_ / "az.log");
    for (std::string line; std::getline(log, line);) lines.push_back(line);
    return lines;
  }

 private:
  testing::TempDir dir_;
};

std::string az_answer(bool with_epoch) {
  const auto expires = std::chrono::system_clock::now() + std::chrono::hours(1);
  const std::time_t when = std::chrono::system_clock::to_time_t(expires);
  std::tm local{};
  localtime_r(&when, &local);
  char expires_on[32];
  std::strftime(expires_on, sizeof expires_on, "%Y-%m-%d %H:%M:%S.000000", &local);
  std::string json = "{\"accessToken\": \"" +
                     testing::storage_jwt(FakeAzureIdentity::kTenant, std::chrono::hours(1)) +
                     "\", \"expiresOn\": \"" + expires_on + "\", ";
  if (with_epoch) json += "\"expires_on\": " + std::to_string(when) + ", ";
  return json + "\"subscription\": \"s\", \"tenant\": \"memo-tenant\", \"tokenType\": \"Bearer\"}";
}

TEST_F(RemoteAzureBlobIdentity, AzureCliGivesItsTokenOnce) {
  for (bool with_epoch :
       {true, false}) {  // az since 2.54 prints expires_on; older az only expiresOn
    FakeAz az;
    az.answer(az_answer(with_epoch));
    ScopedEnv env(EnvValues{{"PATH", az.path()}});
    auto backend = make(options("azure-cli"));
    ASSERT_TRUE(backend);
    round_trip(*backend);
    EXPECT_EQ(az.calls(),
              std::vector<std::string>{
                  "account get-access-token --resource https://storage.azure.com/ -o json"});
  }
}

TEST_F(RemoteAzureBlobIdentity, AzureCliSignedOutOrMissingIsSaidSo) {
  FakeAz az;
  az.sign_out();
  {
    ScopedEnv env(EnvValues{{"PATH", az.path()}});
    const RemoteError error = error_of_get(*make(options("azure-cli")));
    EXPECT_EQ(error.kind, RemoteError::Kind::Denied);
    EXPECT_TRUE(contains(error.message, "the Azure CLI is not signed in: run az login"))
        << error.message;
  }
  testing::TempDir empty;
  ScopedEnv env(EnvValues{{"PATH", empty.path().string()}});
  const RemoteError error = error_of_get(*make(options("azureCliCredential")));
  EXPECT_EQ(error.kind, RemoteError::Kind::Denied);
  EXPECT_TRUE(contains(error.message, "the Azure CLI (az) cannot be run")) << error.message;
}

// --- the factory -----------------------------------------------------------------------------

TEST_F(RemoteAzureBlobIdentity, FactoryNamesTheCredentialProblem) {
  const auto error = [&](const nlohmann::json& options) {
    auto backend = made(options);
    return backend ? std::string("(made a backend)") : backend.error();
  };
  EXPECT_EQ(error(options("vscode")),
            "cacheStorageConfig.options.credentialName: \"vscode\" is not a credential name; use "
            "environment, workload-identity, managed-identity or azure-cli");
  EXPECT_EQ(error(options("visual-studio-code")),
            "cacheStorageConfig.options.credentialName: \"visual-studio-code\" is not supported by "
            "memo; use environment, workload-identity, managed-identity or azure-cli");
  nlohmann::json not_a_string = options();
  not_a_string["credentialName"] = 3;
  EXPECT_TRUE(error(not_a_string)
                  .starts_with("cacheStorageConfig.options.credentialName: not a "
                               "string"));
  {
    ScopedEnv named(EnvValues{{"AZURE_IDENTITY_CREDENTIAL_NAME", "bogus"}});
    EXPECT_TRUE(
        error(options()).starts_with("AZURE_IDENTITY_CREDENTIAL_NAME: \"bogus\" is not a "
                                     "credential name"))
        << error(options());
  }
  {
    ScopedEnv partly(EnvValues{{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}});
    EXPECT_EQ(error(options("workload-identity")),
              "cacheStorageConfig.options.credentialName: the workload-identity credential reads "
              "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE: set "
              "AZURE_FEDERATED_TOKEN_FILE");
  }
  nlohmann::json unreadable = options("azure-cli");
  unreadable["caFile"] = "/nonexistent/ca.pem";
  EXPECT_TRUE(error(unreadable)
                  .starts_with("cacheStorageConfig.options.caFile: "
                               "\"/nonexistent/ca.pem\" cannot be read"));
  // A key or a SAS in the connection string wins, as in lage: credentialName is not looked at.
  nlohmann::json with_key = options("vscode");
  with_key["connectionString"] = azurite().connection_string();
  EXPECT_EQ(error(with_key), "(made a backend)");
}

}  // namespace
}  // namespace memo::store::remote
