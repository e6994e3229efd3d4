#include "memo/store/remote/azure_secrets.hpp"

#include <algorithm>

#include "memo/util/base64.hpp"

namespace memo::store::remote {

namespace {

// The value of `name` in a query string, percent-decoding left to the caller.
std::string query_value(const std::string& query, const std::string& name) {
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto end = std::min(query.find('&', start), query.size());
    const std::string_view pair(query.data() + start, end - start);
    if (pair.starts_with(name + "=")) return std::string(pair.substr(name.size() + 1));
    start = end + 1;
  }
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decoded(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

}  // namespace

std::vector<std::string> azure_secrets(const AzureConnection& connection) {
  std::vector<std::string> secrets;
  if (!connection.account_key.empty()) {
    std::string key = util::base64_encode(connection.account_key);
    secrets.push_back(key);
    while (key.ends_with('=')) key.pop_back();
    secrets.push_back(key);
  }
  if (!connection.sas.empty()) {
    secrets.push_back(connection.sas);
    if (std::string sig = query_value(connection.sas, "sig"); !sig.empty()) {
      secrets.push_back(sig);
      secrets.push_back(url_decoded(sig));
    }
  }
  return secrets;
}

std::string redacted(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to be a secret, too likely to be a word
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace memo::store::remote
