#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace memo::util {

// `bytes` in base64 with padding (RFC 4648 section 4).
std::string base64_encode(std::string_view bytes);
// `bytes` in base64url without padding (RFC 4648 section 5), as JWTs carry their parts.
std::string base64url_encode(std::string_view bytes);
// The bytes `text` encodes, in either alphabet, padded or not; nothing when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace memo::util
