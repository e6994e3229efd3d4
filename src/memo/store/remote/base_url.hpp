#pragma once

#include <expected>
#include <string>

namespace memo::store::remote {

// Why a server's base URL from the config cannot be used, for the caller to put after the
// option's name.
enum class BadBaseUrl {
  NotHttp,      // not http(s)://host…, or it holds a space, a control character, "?" or "#"
  HoldsSecret,  // a user name or password before the host: it would show in every message
};

// `url` without its trailing slashes, when it is an http(s) URL memo can send requests below.
std::expected<std::string, BadBaseUrl> checked_base_url(std::string url);

bool has_control_character(const std::string& text);

}  // namespace memo::store::remote
