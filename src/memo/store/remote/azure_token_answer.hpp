#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "memo/store/remote/azure_token_cache.hpp"

namespace memo::store::remote {

// The token in a token endpoint's JSON answer (Azure AD, IMDS, App Service, `az account
// get-access-token`): access_token or accessToken, expiring after expires_in seconds, at
// expires_on (seconds since 1970, a number or a text) or at expiresOn (az's local time
// "2024-05-01 12:30:00.000000"), else at the JWT's own exp claim. The error never quotes the
// answer (it may hold the token).
std::expected<AccessToken, std::string> parse_token_answer(std::string_view body);

// The exp claim in a JWT's payload.
std::optional<std::chrono::system_clock::time_point> jwt_expiry(std::string_view token);

// What an Azure AD error answer says, without its description: "invalid_client AADSTS7000215".
struct AzureAdError {
  std::string error;  // "invalid_client"
  std::string code;   // "AADSTS7000215", or empty
};
AzureAdError azure_ad_error(std::string_view body);

}  // namespace memo::store::remote
