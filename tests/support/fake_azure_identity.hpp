#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace memo::testing {

// A JWT whose claims Azurite's OAuth mode accepts (audience https://storage.azure.com, an
// Azure AD issuer for `tenant`, valid from a minute ago for `lifetime`), unsigned: Azurite
// checks the claims, not the signature.
std::string storage_jwt(const std::string& tenant, std::chrono::seconds lifetime,
                        const std::string& audience = "https://storage.azure.com");

// The identity endpoints memo's Azure AD credentials call, faked by a small Python server on a
// free port of 127.0.0.1, each answering with a storage_jwt():
//   POST /<tenant>/oauth2/v2.0/token   Azure AD's client credentials flow (secret or assertion)
//   GET  /metadata/identity/oauth2/token   the instance metadata service (header Metadata: true)
//   GET  /msi/token                     App Service's identity endpoint (X-IDENTITY-HEADER)
// Wrong secrets, assertions, tenants and headers are refused as Azure AD refuses them. Every
// request is recorded: requests() gives one line per request, "<METHOD> <path>?<query>
// <form fields, sorted, secrets as their names>".
class FakeAzureIdentity {
 public:
  static constexpr const char* kTenant = "memo-tenant";
  static constexpr const char* kClientId = "memo-client";
  // An application the fake issues tokens for another audience (the storage refuses them).
  static constexpr const char* kWrongAudienceClientId = "memo-client-wrong-audience";
  // An application whose tokens live two seconds.
  static constexpr const char* kShortLivedClientId = "memo-client-short-lived";
  static constexpr const char* kClientSecret = "SENTINEL-client-secret-4711";
  static constexpr const char* kFederatedToken = "SENTINEL-federated-token-0815";
  static constexpr const char* kIdentityHeader = "SENTINEL-identity-header-42";

  FakeAzureIdentity();
  ~FakeAzureIdentity();

  // "http://127.0.0.1:<port>": AZURE_AUTHORITY_HOST and AZURE_POD_IDENTITY_AUTHORITY_HOST.
  std::string base_url() const;
  // IDENTITY_ENDPOINT for App Service.
  std::string app_service_endpoint() const { return base_url() + "/msi/token"; }
  std::vector<std::string> requests() const;

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace memo::testing
