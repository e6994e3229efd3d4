#pragma once

#include <expected>
#include <string>

#include "memo/store/remote/azure_blob_backend.hpp"
#include "memo/store/remote/backends.hpp"

namespace memo::store::remote {

// The azure-blob backend's configuration from cacheStorageConfig.options, or the one-line
// error naming the option and the fix. Unknown options are left alone; nothing is sent.
std::expected<AzureBlobConfig, std::string> read_azure_blob_settings(
    const BackendSettings& settings);

}  // namespace memo::store::remote
