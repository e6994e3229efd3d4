#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memo::store::remote {

// `text` with every occurrence of each secret replaced by "***": a server may echo a token or
// an Authorization header back in an error body, and what memo prints must never hold one.
// Empty secrets are skipped.
std::string without_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace memo::store::remote
