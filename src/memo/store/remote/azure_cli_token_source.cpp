#include "memo/store/remote/azure_cli_token_source.hpp"

#include "memo/exec/subprocess.hpp"
#include "memo/store/remote/azure_token_answer.hpp"

namespace memo::store::remote {

namespace {

// az takes a second or two; a minute means it is waiting for something that will not come.
constexpr std::chrono::seconds kAzTimeout{60};

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.starts_with("ERROR: ")) line.erase(0, 7);
  if (line.size() > 200) line.resize(200);
  return line;
}

class AzureCliSource final : public TokenSource {
 public:
  std::string name() const override { return "azure-cli"; }

  RemoteResult<AccessToken> fetch() override {
    const std::string prefix = "the azure-cli credential: ";
    exec::CaptureOptions options;
    options.timeout = kAzTimeout;
    auto ran = exec::capture_output({"az", "account", "get-access-token", "--resource",
                                     "https://storage.azure.com/", "-o", "json"},
                                    ".", options);
    if (!ran) {
      return std::unexpected(RemoteError{
          RemoteError::Kind::Denied, prefix + "the Azure CLI (az) cannot be run: " + ran.error() +
                                         "; install it or put it "
                                         "on PATH"});
    }
    if (ran->timed_out) {
      return std::unexpected(
          RemoteError{RemoteError::Kind::Stalled, prefix + "az gave no token within a minute"});
    }
    if (ran->exit_code != 0) {
      const bool signed_out = ran->stderr_text.find("az login") != std::string::npos;
      return std::unexpected(
          RemoteError{RemoteError::Kind::Denied,
                      prefix + (signed_out ? "the Azure CLI is not signed in: run az login"
                                           : "az account get-access-token failed (exit " +
                                                 std::to_string(ran->exit_code) +
                                                 "): " + first_line(ran->stderr_text))});
    }
    auto token = parse_token_answer(ran->stdout_text);
    if (!token) {
      return std::unexpected(RemoteError{RemoteError::Kind::Server,
                                         prefix + "az printed no usable token: " + token.error()});
    }
    return std::move(*token);
  }
};

}  // namespace

std::unique_ptr<TokenSource> make_azure_cli_source() {
  return std::make_unique<AzureCliSource>();
}

}  // namespace memo::store::remote
