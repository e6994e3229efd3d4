#include "memo/store/remote/azure_ad_token_source.hpp"

#include <fstream>
#include <sstream>

#include "memo/store/remote/azure_secrets.hpp"
#include "memo/store/remote/azure_token_answer.hpp"

namespace memo::store::remote {

namespace {

constexpr const char* kScope = "https://storage.azure.com/.default";
constexpr const char* kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class AzureAdTokenSource final : public TokenSource {
 public:
  AzureAdTokenSource(AzureAdApp app, std::string client_secret, std::filesystem::path token_file,
                     HttpTimeouts timeouts)
      : app_(std::move(app)),
        client_secret_(std::move(client_secret)),
        token_file_(std::move(token_file)),
        timeouts_(timeouts) {}

  std::string name() const override { return federated() ? "workload-identity" : "environment"; }

  RemoteResult<AccessToken> fetch() override {
    auto body = form();
    if (!body) return std::unexpected(body.error());
    HttpRequest request;
    request.method = "POST";
    request.url = app_.authority + "/" + url_encode(app_.tenant_id) + "/oauth2/v2.0/token";
    request.headers = {"Content-Type: application/x-www-form-urlencoded",
                       "Accept: application/json"};
    request.body = *body;
    auto response = http_perform(request, timeouts_);
    if (!response) return std::unexpected(failed(response.error()));
    if (response->status != 200) return std::unexpected(refused(*response));
    auto token = parse_token_answer(response->body);
    if (!token) {
      return std::unexpected(RemoteError{
          RemoteError::Kind::Server, prefix() + "Azure AD's answer is not usable: " + token.error(),
          response->status});
    }
    return std::move(*token);
  }

 private:
  bool federated() const { return !token_file_.empty(); }

  std::string prefix() const { return "the " + name() + " credential: "; }

  std::expected<std::string, RemoteError> form() const {
    std::string body = "grant_type=client_credentials&client_id=" + url_encode(app_.client_id) +
                       "&scope=" + url_encode(kScope);
    if (!federated()) return body + "&client_secret=" + url_encode(client_secret_);
    std::ifstream file(token_file_);
    std::stringstream text;
    text << file.rdbuf();
    std::string assertion = text.str();
    while (!assertion.empty() && (assertion.back() == '\n' || assertion.back() == '\r')) {
      assertion.pop_back();
    }
    if (!file || assertion.empty()) {
      return std::unexpected(RemoteError{
          RemoteError::Kind::Denied,
          prefix() + "AZURE_FEDERATED_TOKEN_FILE (" + token_file_.string() + ") cannot be read"});
    }
    return body + "&client_assertion_type=" + url_encode(kAssertionType) +
           "&client_assertion=" + url_encode(assertion);
  }

  RemoteError failed(RemoteError error) const {
    error.message = prefix() + error.message;
    return error;
  }

  std::string refusal_words(const AzureAdError& said) const {
    if (said.code == "AADSTS90002") return "Azure AD knows no tenant AZURE_TENANT_ID names";
    if (said.code == "AADSTS700016") {
      return "Azure AD knows no application AZURE_CLIENT_ID names in the tenant "
             "AZURE_TENANT_ID names";
    }
    if (federated()) {
      return "the federated token in AZURE_FEDERATED_TOKEN_FILE was refused (expired, or no "
             "federated credential of the application AZURE_CLIENT_ID names matches it)";
    }
    if (said.error == "invalid_client" || said.code == "AADSTS7000215") {
      return "the client secret was refused: check AZURE_CLIENT_SECRET (and AZURE_CLIENT_ID)";
    }
    return "Azure AD refused the application's credentials";
  }

  RemoteError refused(const HttpResponse& response) const {
    const AzureAdError said = azure_ad_error(response.body);
    std::string detail = std::to_string(response.status);
    if (!said.error.empty()) detail += " " + said.error;
    if (!said.code.empty()) detail += " " + said.code;
    RemoteError error;
    error.http_status = response.status;
    if (response.status >= 400 && response.status < 500) {
      error.kind = RemoteError::Kind::Denied;
      error.message = prefix() + refusal_words(said) + " (" + detail + ")";
    } else {
      error.kind = RemoteError::Kind::Server;
      error.message = prefix() + "Azure AD answered " + detail;
    }
    error.message = redacted(std::move(error.message), {client_secret_});
    return error;
  }

  AzureAdApp app_;
  std::string client_secret_;
  std::filesystem::path token_file_;
  HttpTimeouts timeouts_;
};

}  // namespace

std::unique_ptr<TokenSource> make_client_secret_source(AzureAdApp app, std::string client_secret,
                                                       HttpTimeouts timeouts) {
  return std::make_unique<AzureAdTokenSource>(std::move(app), std::move(client_secret),
                                              std::filesystem::path(), timeouts);
}

std::unique_ptr<TokenSource> make_federated_token_source(AzureAdApp app,
                                                         std::filesystem::path token_file,
                                                         HttpTimeouts timeouts) {
  return std::make_unique<AzureAdTokenSource>(std::move(app), std::string(), std::move(token_file),
                                              timeouts);
}

}  // namespace memo::store::remote
