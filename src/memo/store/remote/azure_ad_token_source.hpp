#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "memo/store/remote/azure_token_cache.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// An application registered in Azure AD (Entra ID), as AZURE_TENANT_ID and AZURE_CLIENT_ID
// name it, and the authority that issues its tokens.
struct AzureAdApp {
  std::string authority;  // AZURE_AUTHORITY_HOST, default "https://login.microsoftonline.com"
  std::string tenant_id;
  std::string client_id;
};

// Tokens for Azure Storage from Azure AD's client credentials flow (v2.0 token endpoint,
// scope https://storage.azure.com/.default), proven with a client secret: the "environment"
// credential.
std::unique_ptr<TokenSource> make_client_secret_source(AzureAdApp app, std::string client_secret,
                                                       HttpTimeouts timeouts);

// The same proven with a federated token read from `token_file` at each fetch (Kubernetes
// rotates it): the "workload-identity" credential.
std::unique_ptr<TokenSource> make_federated_token_source(AzureAdApp app,
                                                         std::filesystem::path token_file,
                                                         HttpTimeouts timeouts);

}  // namespace memo::store::remote
