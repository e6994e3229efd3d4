#include "memo/store/remote/azure_managed_identity_source.hpp"

#include "memo/store/remote/azure_secrets.hpp"
#include "memo/store/remote/azure_token_answer.hpp"
#include "memo/util/environment.hpp"

namespace memo::store::remote {

namespace {

constexpr const char* kResource = "https://storage.azure.com/";

std::string without_trailing_slash(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

class ManagedIdentitySource final : public TokenSource {
 public:
  ManagedIdentitySource(ManagedIdentityEndpoint endpoint, HttpTimeouts timeouts)
      : endpoint_(std::move(endpoint)), timeouts_(timeouts) {}

  std::string name() const override { return "managed-identity"; }

  RemoteResult<AccessToken> fetch() override {
    const HttpRequest request = app_service() ? app_service_request() : imds_request();
    auto response = http_perform(request, timeouts_);
    if (!response) {
      RemoteError error = response.error();
      error.message = prefix() + error.message +
                      (app_service() ? "" : " (is this an Azure machine with a managed identity?)");
      return std::unexpected(error);
    }
    if (response->status != 200) return std::unexpected(refused(*response));
    auto token = parse_token_answer(response->body);
    if (!token) {
      return std::unexpected(RemoteError{RemoteError::Kind::Server,
                                         prefix() + "the answer is not usable: " + token.error(),
                                         response->status});
    }
    return std::move(*token);
  }

 private:
  bool app_service() const {
    return !endpoint_.identity_endpoint.empty() && !endpoint_.identity_header.empty();
  }

  std::string prefix() const { return "the managed-identity credential: "; }

  std::string client_query() const {
    return endpoint_.client_id.empty() ? "" : "&client_id=" + url_encode(endpoint_.client_id);
  }

  HttpRequest app_service_request() const {
    HttpRequest request;
    const char separator = endpoint_.identity_endpoint.find('?') == std::string::npos ? '?' : '&';
    request.url = endpoint_.identity_endpoint + separator +
                  "api-version=2019-08-01&resource=" + url_encode(kResource) + client_query();
    request.headers = {"X-IDENTITY-HEADER: " + endpoint_.identity_header};
    return request;
  }

  HttpRequest imds_request() const {
    HttpRequest request;
    request.url =
        without_trailing_slash(endpoint_.imds_host) +
        "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + url_encode(kResource) +
        client_query();
    request.headers = {"Metadata: true"};
    return request;
  }

  RemoteError refused(const HttpResponse& response) const {
    const AzureAdError said = azure_ad_error(response.body);
    const std::string detail =
        std::to_string(response.status) + (said.error.empty() ? "" : " " + said.error);
    RemoteError error;
    error.http_status = response.status;
    if (response.status >= 500) {
      error.kind = RemoteError::Kind::Server;
      error.message = prefix() + "the identity endpoint answered " + detail;
    } else if (response.status == 401 || response.status == 403) {
      error.kind = RemoteError::Kind::Denied;
      error.message = prefix() + "the identity endpoint refused IDENTITY_HEADER (" + detail + ")";
    } else {
      error.kind = RemoteError::Kind::Denied;
      error.message =
          prefix() + "no managed identity is assigned to this machine" +
          (endpoint_.client_id.empty() ? "" : " with the client id AZURE_CLIENT_ID gives") + " (" +
          detail + ")";
    }
    error.message = redacted(std::move(error.message), {endpoint_.identity_header});
    return error;
  }

  ManagedIdentityEndpoint endpoint_;
  HttpTimeouts timeouts_;
};

}  // namespace

ManagedIdentityEndpoint managed_identity_endpoint_from_environment() {
  ManagedIdentityEndpoint endpoint;
  endpoint.identity_endpoint = util::env_value("IDENTITY_ENDPOINT").value_or("");
  endpoint.identity_header = util::env_value("IDENTITY_HEADER").value_or("");
  endpoint.imds_host = util::env_value("AZURE_POD_IDENTITY_AUTHORITY_HOST").value_or("");
  if (endpoint.imds_host.empty()) endpoint.imds_host = "http://169.254.169.254";
  endpoint.client_id = util::env_value("AZURE_CLIENT_ID").value_or("");
  return endpoint;
}

std::unique_ptr<TokenSource> make_managed_identity_source(ManagedIdentityEndpoint endpoint,
                                                          HttpTimeouts timeouts) {
  return std::make_unique<ManagedIdentitySource>(std::move(endpoint), timeouts);
}

}  // namespace memo::store::remote
