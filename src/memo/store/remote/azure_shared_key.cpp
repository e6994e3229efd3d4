#include "memo/store/remote/azure_shared_key.hpp"

#include <algorithm>

#include "memo/util/ascii.hpp"
#include "memo/util/base64.hpp"
#include "memo/util/digest.hpp"

namespace memo::store::remote {

namespace {

NameValues lowercased_names(const NameValues& pairs) {
  NameValues lowered;
  for (const auto& [name, value] : pairs) lowered.emplace_back(util::ascii_lowercase(name), value);
  std::sort(lowered.begin(), lowered.end());
  return lowered;
}

std::string header_value(const NameValues& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::string canonical_headers(const NameValues& headers) {
  std::string text;
  for (const auto& [name, value] : headers) {
    if (name.starts_with("x-ms-")) text += name + ":" + value + "\n";
  }
  return text;
}

std::string canonical_resource(const SharedKeyRequest& request, std::string_view account) {
  std::string text = "/" + std::string(account) + std::string(request.path);
  for (const auto& [name, value] : lowercased_names(request.query)) {
    text += "\n" + name + ":" + value;
  }
  return text;
}

}  // namespace

std::string shared_key_string_to_sign(const SharedKeyRequest& request, std::string_view account) {
  const NameValues headers = lowercased_names(request.headers);
  std::string text = std::string(request.method) + "\n";
  text += header_value(headers, "content-encoding") + "\n";
  text += header_value(headers, "content-language") + "\n";
  // Since version 2015-02-21 a zero length is signed as an empty field.
  text += (request.content_length == 0 ? "" : std::to_string(request.content_length)) + "\n";
  for (const char* name : {"content-md5", "content-type", "date", "if-modified-since", "if-match",
                           "if-none-match", "if-unmodified-since", "range"}) {
    text += header_value(headers, name) + "\n";
  }
  return text + canonical_headers(headers) + canonical_resource(request, account);
}

std::string shared_key_authorization(const SharedKeyRequest& request, std::string_view account,
                                     std::string_view account_key) {
  const std::string signature =
      util::hmac_sha256(account_key, shared_key_string_to_sign(request, account));
  return "SharedKey " + std::string(account) + ":" + util::base64_encode(signature);
}

}  // namespace memo::store::remote
