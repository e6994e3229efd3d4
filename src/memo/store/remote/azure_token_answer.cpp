#include "memo/store/remote/azure_token_answer.hpp"

#include <ctime>

#include "memo/util/base64.hpp"
#include "memo/util/json.hpp"

namespace memo::store::remote {

namespace {

using Clock = std::chrono::system_clock;

std::optional<long long> whole_number(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<long long>();
  if (value.is_number()) return static_cast<long long>(value.get<double>());
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  if (text.empty() || text.size() > 18) return std::nullopt;
  long long number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + (c - '0');
  }
  return number;
}

// az's expiresOn: the local time "2024-05-01 12:30:00.000000".
std::optional<Clock::time_point> local_time(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  std::tm local{};
  const std::string text = value.get<std::string>();
  if (!strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &local)) return std::nullopt;
  local.tm_isdst = -1;
  const std::time_t when = std::mktime(&local);
  if (when == -1) return std::nullopt;
  return Clock::from_time_t(when);
}

std::optional<Clock::time_point> expiry(const nlohmann::json& answer, const std::string& token) {
  if (auto in = answer.find("expires_in"); in != answer.end()) {
    if (auto seconds = whole_number(*in)) return Clock::now() + std::chrono::seconds(*seconds);
  }
  if (auto on = answer.find("expires_on"); on != answer.end()) {
    if (auto seconds = whole_number(*on)) return Clock::from_time_t(*seconds);
  }
  if (auto on = answer.find("expiresOn"); on != answer.end()) {
    if (auto when = local_time(*on)) return when;
  }
  return jwt_expiry(token);
}

}  // namespace

std::optional<Clock::time_point> jwt_expiry(std::string_view token) {
  const auto first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  const auto second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  auto payload = util::base64_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!payload) return std::nullopt;
  auto claims = util::parse_json(*payload);
  if (!claims || !claims->is_object() || !claims->contains("exp")) return std::nullopt;
  auto seconds = whole_number((*claims)["exp"]);
  if (!seconds) return std::nullopt;
  return Clock::from_time_t(*seconds);
}

std::expected<AccessToken, std::string> parse_token_answer(std::string_view body) {
  auto answer = util::parse_json(body);
  if (!answer || !answer->is_object()) return std::unexpected("the answer is not a JSON object");
  std::string token;
  for (const char* name : {"access_token", "accessToken"}) {
    if (auto found = answer->find(name); found != answer->end() && found->is_string()) {
      token = found->get<std::string>();
    }
  }
  if (token.empty()) return std::unexpected("the answer holds no access token");
  auto expires = expiry(*answer, token);
  if (!expires) return std::unexpected("the answer does not say when the token expires");
  return AccessToken{std::move(token), *expires};
}

AzureAdError azure_ad_error(std::string_view body) {
  AzureAdError said;
  auto answer = util::parse_json(body);
  if (!answer || !answer->is_object()) return said;
  if (auto error = answer->find("error"); error != answer->end() && error->is_string()) {
    said.error = error->get<std::string>();
  }
  auto description = answer->find("error_description");
  if (description != answer->end() && description->is_string()) {
    const std::string text = description->get<std::string>();
    if (text.starts_with("AADSTS")) said.code = text.substr(0, text.find_first_of(": "));
  }
  return said;
}

}  // namespace memo::store::remote
