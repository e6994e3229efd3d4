#include "memo/store/remote/azure_credential_name.hpp"

#include <vector>

#include "memo/store/remote/azure_ad_token_source.hpp"
#include "memo/store/remote/azure_cli_token_source.hpp"
#include "memo/store/remote/azure_managed_identity_source.hpp"
#include "memo/util/environment.hpp"

namespace memo::store::remote {

namespace {

using MadeSource = std::expected<std::unique_ptr<TokenSource>, std::string>;

std::string canonical_name(const std::string& name) {
  if (name == "environmentCredential") return "environment";
  if (name == "workloadIdentityCredential") return "workload-identity";
  if (name == "managedIdentityCredential") return "managed-identity";
  if (name == "azureCliCredential") return "azure-cli";
  if (name == "visualStudioCodeCredential") return "visual-studio-code";
  return name;
}

// The app's variables, and the other variables `needed` names; the error lists what is unset.
std::expected<AzureAdApp, std::string> app_from_environment(const std::string& credential,
                                                            const std::vector<const char*>& more) {
  std::vector<const char*> needed = {"AZURE_TENANT_ID", "AZURE_CLIENT_ID"};
  needed.insert(needed.end(), more.begin(), more.end());
  std::string missing;
  for (const char* variable : needed) {
    if (util::env_value(variable).value_or("").empty()) {
      missing += std::string(missing.empty() ? "" : ", ") + variable;
    }
  }
  if (!missing.empty()) {
    std::string all;
    for (const char* variable : needed) all += std::string(all.empty() ? "" : ", ") + variable;
    return std::unexpected("the " + credential + " credential reads " + all + ": set " + missing);
  }
  AzureAdApp app;
  app.authority = util::env_value("AZURE_AUTHORITY_HOST").value_or("");
  if (app.authority.empty()) app.authority = "https://login.microsoftonline.com";
  while (app.authority.ends_with('/')) app.authority.pop_back();
  app.tenant_id = *util::env_value("AZURE_TENANT_ID");
  app.client_id = *util::env_value("AZURE_CLIENT_ID");
  return app;
}

MadeSource environment_source(const HttpTimeouts& timeouts) {
  if (util::env_value("AZURE_CLIENT_SECRET").value_or("").empty() &&
      !util::env_value("AZURE_CLIENT_CERTIFICATE_PATH").value_or("").empty()) {
    return std::unexpected(
        "the environment credential of memo takes AZURE_CLIENT_SECRET, not yet "
        "AZURE_CLIENT_CERTIFICATE_PATH: give a client secret, or use workload-identity");
  }
  auto app = app_from_environment("environment", {"AZURE_CLIENT_SECRET"});
  if (!app) return std::unexpected(app.error());
  return make_client_secret_source(std::move(*app), *util::env_value("AZURE_CLIENT_SECRET"),
                                   timeouts);
}

MadeSource workload_identity_source(const HttpTimeouts& timeouts) {
  auto app = app_from_environment("workload-identity", {"AZURE_FEDERATED_TOKEN_FILE"});
  if (!app) return std::unexpected(app.error());
  return make_federated_token_source(std::move(*app),
                                     *util::env_value("AZURE_FEDERATED_TOKEN_FILE"), timeouts);
}

}  // namespace

MadeSource make_named_token_source(const std::string& name, const HttpTimeouts& timeouts) {
  const std::string credential = canonical_name(name);
  if (credential == "environment") return environment_source(timeouts);
  if (credential == "workload-identity") return workload_identity_source(timeouts);
  if (credential == "managed-identity") {
    return make_managed_identity_source(managed_identity_endpoint_from_environment(), timeouts);
  }
  if (credential == "azure-cli") return make_azure_cli_source();
  const std::string allowed = "use environment, workload-identity, managed-identity or azure-cli";
  if (credential == "visual-studio-code") {
    return std::unexpected("\"" + name + "\" is not supported by memo; " + allowed);
  }
  return std::unexpected("\"" + name + "\" is not a credential name; " + allowed);
}

}  // namespace memo::store::remote
