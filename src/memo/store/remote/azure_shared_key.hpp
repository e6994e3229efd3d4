#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memo::store::remote {

using NameValues = std::vector<std::pair<std::string, std::string>>;

// The parts of a Blob service request that a Shared Key signature covers.
struct SharedKeyRequest {
  std::string_view method;
  std::string_view path;  // the URL's path as sent: "/devstoreaccount1/memo/<key>"
  NameValues query;       // the URL's query parameters, not encoded
  NameValues headers;     // every header sent, names in any case
  std::uint64_t content_length = 0;
};

// The Authorization header's value, "SharedKey <account>:<signature>": the HMAC-SHA256 under
// the account key of the string Azure's Shared Key scheme (version 2015-02-21 and later)
// builds from the request.
std::string shared_key_authorization(const SharedKeyRequest& request, std::string_view account,
                                     std::string_view account_key);

// The string that is signed, for tests and for diagnosing a refused signature.
std::string shared_key_string_to_sign(const SharedKeyRequest& request, std::string_view account);

}  // namespace memo::store::remote
