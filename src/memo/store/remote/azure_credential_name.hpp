#pragma once

#include <expected>
#include <memory>
#include <string>

#include "memo/store/remote/azure_token_cache.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// The token source lage's credentialName names: "environment", "workload-identity",
// "managed-identity" or "azure-cli" (lage's earlier "environmentCredential",
// "workloadIdentityCredential", "managedIdentityCredential", "azureCliCredential" too), made
// from the environment variables it reads. The error is a reason to put after the option
// that named it: the names allowed, or the variables to set. Nothing is sent.
std::expected<std::unique_ptr<TokenSource>, std::string> make_named_token_source(
    const std::string& name, const HttpTimeouts& timeouts);

}  // namespace memo::store::remote
