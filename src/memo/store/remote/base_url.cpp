#include "memo/store/remote/base_url.hpp"

#include "memo/util/ascii.hpp"

namespace memo::store::remote {

bool has_control_character(const std::string& text) {
  for (unsigned char c : text) {
    if (util::is_ascii_control(c)) return true;
  }
  return false;
}

std::expected<std::string, BadBaseUrl> checked_base_url(std::string url) {
  const bool http = url.starts_with("http://") || url.starts_with("https://");
  const std::string rest = http ? url.substr(url.find("://") + 3) : "";
  const std::string authority = rest.substr(0, rest.find('/'));
  if (!http || authority.empty() || has_control_character(url) ||
      url.find_first_of(" ?#") != std::string::npos) {
    return std::unexpected(BadBaseUrl::NotHttp);
  }
  if (authority.find('@') != std::string::npos) return std::unexpected(BadBaseUrl::HoldsSecret);
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace memo::store::remote
