#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "memo/store/remote/backend.hpp"
#include "memo/store/remote/http_client.hpp"

namespace memo::store::remote {

// What a backend is made from: cacheStorageConfig's provider and options, the timeouts, and
// the repo root (the s3 backend reads mila.json there).
struct BackendSettings {
  std::string provider;
  nlohmann::json options = nlohmann::json::object();
  HttpTimeouts timeouts;
  std::filesystem::path repo_root;
};

// How messages name one of the options: kOptions + "bucket".
inline const std::string kOptions = "cacheStorageConfig.options.";

using MadeBackend = std::expected<std::unique_ptr<Backend>, std::string>;

// Whether `provider` names a remote backend ("azure-blob", "s3", "npm", "http").
bool is_remote_provider(const std::string& provider);

// The backend for `settings`, or the one-line error that stops memo before anything runs: a
// missing or malformed option, naming it and the fix ("cacheStorageConfig.options.container:
// missing; name the blob container entries go to"). Credentials may come from the
// environment, as each backend's docs page says. Nothing is sent yet.
MadeBackend make_backend(const BackendSettings& settings);

// One per backend, in its own file.
MadeBackend make_azure_blob_backend(const BackendSettings& settings);
MadeBackend make_s3_backend(const BackendSettings& settings);
MadeBackend make_npm_backend(const BackendSettings& settings);
MadeBackend make_turbo_http_backend(const BackendSettings& settings);

}  // namespace memo::store::remote
