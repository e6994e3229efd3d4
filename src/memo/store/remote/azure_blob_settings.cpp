#include "memo/store/remote/azure_blob_settings.hpp"

namespace memo::store::remote {

namespace {

const std::string kOptions = "cacheStorageConfig.options.";

// Azure's rule: 3 to 63 lowercase letters, digits and single hyphens between them.
bool is_container_name(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (name.front() == '-' || name.back() == '-') return false;
  char previous = 0;
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

std::expected<std::string, std::string> read_container(const nlohmann::json& options) {
  const auto found = options.find("container");
  if (found == options.end() || found->is_null()) {
    return std::unexpected(kOptions + "container: missing; name the blob container entries go to");
  }
  if (!found->is_string()) {
    return std::unexpected(kOptions +
                           "container: not a string; name the blob container entries "
                           "go to (\"build-cache\")");
  }
  const std::string name = found->get<std::string>();
  if (!is_container_name(name)) {
    return std::unexpected(kOptions + "container: \"" + name +
                           "\" is not a container name; use 3 to 63 lowercase letters, digits "
                           "and single hyphens");
  }
  return name;
}

std::expected<AzureConnection, std::string> read_connection(const nlohmann::json& options) {
  const std::string option = kOptions + "connectionString: ";
  const auto found = options.find("connectionString");
  if (found == options.end() || found->is_null()) {
    return std::unexpected(option +
                           "missing; give the storage account's connection string "
                           "(\"BlobEndpoint=…;SharedAccessSignature=…\" or "
                           "\"AccountName=…;AccountKey=…\")");
  }
  if (!found->is_string()) {
    return std::unexpected(option + "not a string; give the storage account's connection string");
  }
  auto connection = parse_azure_connection_string(found->get<std::string>());
  if (!connection) return std::unexpected(option + connection.error());
  return connection;
}

}  // namespace

std::expected<AzureBlobConfig, std::string> read_azure_blob_settings(
    const BackendSettings& settings) {
  if (!settings.options.is_object()) {
    return std::unexpected(
        "cacheStorageConfig.options: not an object; give {\"connectionString\": …, "
        "\"container\": …}");
  }
  auto connection = read_connection(settings.options);
  if (!connection) return std::unexpected(connection.error());
  auto container = read_container(settings.options);
  if (!container) return std::unexpected(container.error());
  if (connection->account_key.empty() && connection->sas.empty()) {
    return std::unexpected(kOptions +
                           "connectionString: holds no AccountKey and no SharedAccessSignature; "
                           "add one of them");
  }
  return AzureBlobConfig{std::move(*connection), std::move(*container), settings.timeouts};
}

}  // namespace memo::store::remote
