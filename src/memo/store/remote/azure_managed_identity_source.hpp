#pragma once

#include <memory>
#include <string>

#include "memo/store/remote/azure_token_cache.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// Where a managed identity's tokens come from, read from the environment.
struct ManagedIdentityEndpoint {
  // App Service and Functions: IDENTITY_ENDPOINT with the IDENTITY_HEADER secret.
  std::string identity_endpoint;
  std::string identity_header;
  // Elsewhere (VMs, scale sets, AKS): the instance metadata service,
  // AZURE_POD_IDENTITY_AUTHORITY_HOST or "http://169.254.169.254".
  std::string imds_host;
  std::string client_id;  // AZURE_CLIENT_ID: a user-assigned identity; empty for the system's
};

ManagedIdentityEndpoint managed_identity_endpoint_from_environment();

// Tokens for Azure Storage from the machine's managed identity: the "managed-identity"
// credential.
std::unique_ptr<TokenSource> make_managed_identity_source(ManagedIdentityEndpoint endpoint,
                                                          HttpTimeouts timeouts);

}  // namespace memo::store::remote
