#include "memo/store/remote/backends.hpp"

namespace memo::store::remote {

bool is_remote_provider(const std::string& provider) {
  return provider == "azure-blob" || provider == "s3" || provider == "npm" || provider == "http";
}

MadeBackend make_backend(const BackendSettings& settings) {
  if (settings.provider == "azure-blob") return make_azure_blob_backend(settings);
  if (settings.provider == "s3") return make_s3_backend(settings);
  if (settings.provider == "npm") return make_npm_backend(settings);
  if (settings.provider == "http") return make_turbo_http_backend(settings);
  return std::unexpected("\"" + settings.provider + "\" is not a remote cache provider");
}

}  // namespace memo::store::remote
