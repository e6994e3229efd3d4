#pragma once

#include <memory>

#include "memo/store/remote/azure_token_cache.hpp"

namespace memo::store::remote {

// Tokens for Azure Storage from the signed-in Azure CLI (`az account get-access-token
// --resource https://storage.azure.com/ -o json`, az found on PATH): the "azure-cli"
// credential.
std::unique_ptr<TokenSource> make_azure_cli_source();

}  // namespace memo::store::remote
