#include "memo/store/remote/azure_blob_settings.hpp"

#include <unistd.h>

#include "memo/store/remote/azure_credential_name.hpp"
#include "memo/util/environment.hpp"

namespace memo::store::remote {

namespace {

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

// lage's rule: a connection string without a key or a SAS signs in with the credential that
// credentialName (or AZURE_IDENTITY_CREDENTIAL_NAME) names, the environment's by default.
std::expected<std::shared_ptr<TokenCache>, std::string> read_token_source(
    const BackendSettings& settings) {
  const auto& options = settings.options;
  std::string name, origin;
  if (auto found = options.find("credentialName"); found != options.end() && !found->is_null()) {
    origin = kOptions + "credentialName: ";
    if (!found->is_string()) {
      return std::unexpected(origin +
                             "not a string; name environment, workload-identity, "
                             "managed-identity or azure-cli");
    }
    name = found->get<std::string>();
  } else if (auto from_env = util::env_value("AZURE_IDENTITY_CREDENTIAL_NAME");
             from_env && !from_env->empty()) {
    origin = "AZURE_IDENTITY_CREDENTIAL_NAME: ";
    name = *from_env;
  } else {
    origin = kOptions +
             "connectionString: holds no AccountKey and no SharedAccessSignature, so memo signs "
             "in with the environment credential, but ";
    name = "environment";
  }
  auto source = make_named_token_source(name, settings.timeouts);
  if (!source) {
    const bool by_default = origin.ends_with("but ");
    return std::unexpected(origin + source.error() +
                           (by_default ? "; or name another credentialName" : ""));
  }
  return std::make_shared<TokenCache>(std::move(*source));
}

std::expected<std::string, std::string> read_ca_file(const nlohmann::json& options) {
  const auto found = options.find("caFile");
  if (found == options.end() || found->is_null()) return std::string();
  const std::string option = kOptions + "caFile: ";
  if (!found->is_string()) {
    return std::unexpected(option + "not a string; give the PEM file of the certificates to trust");
  }
  const std::string path = found->get<std::string>();
  if (::access(path.c_str(), R_OK) != 0) {
    return std::unexpected(option + "\"" + path +
                           "\" cannot be read; give the PEM file of the certificates to trust");
  }
  return path;
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
  auto ca_file = read_ca_file(settings.options);
  if (!ca_file) return std::unexpected(ca_file.error());
  AzureBlobConfig config{std::move(*connection), std::move(*container), settings.timeouts, nullptr,
                         std::move(*ca_file)};
  if (config.connection.account_key.empty() && config.connection.sas.empty()) {
    auto token = read_token_source(settings);
    if (!token) return std::unexpected(token.error());
    config.token = std::move(*token);
  }
  return config;
}

}  // namespace memo::store::remote
